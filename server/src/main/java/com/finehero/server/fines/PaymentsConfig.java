package com.finehero.server.fines;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * {@code finehero.payments}: the secret the payment provider signs confirmations with and how old a
 * signature may be. An empty secret means no confirmation is accepted (viewers' payments stay pending).
 */
public record PaymentsConfig(String webhookSecret, Duration replayWindow) {

    /** HMAC-SHA256 keys shorter than its output add guessable structure; ask for at least that much. */
    static final int MIN_SECRET_BYTES = 32;

    public PaymentsConfig {
        if (!webhookSecret.isEmpty() && webhookSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("configuration finehero.payments.webhook-secret is invalid: expected at least "
                    + MIN_SECRET_BYTES + " bytes, or empty to accept no confirmations (env var FINEHERO_PAYMENTS_WEBHOOK_dash_SECRET)");
        }
        if (replayWindow.compareTo(Duration.ofSeconds(10)) < 0 || replayWindow.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("configuration finehero.payments.replay-window = '" + replayWindow
                    + "' is invalid: expected from PT10S to PT1H (env var FINEHERO_PAYMENTS_REPLAY_dash_WINDOW)");
        }
    }

    public static PaymentsConfig from(Config payments) {
        return new PaymentsConfig(ConfigValues.string(payments, "webhook-secret").trim(),
                ConfigValues.duration(payments, "replay-window"));
    }

    @Override
    public String toString() {
        return "PaymentsConfig[webhookSecret=" + (webhookSecret.isEmpty() ? "none" : "***") + ", replayWindow=" + replayWindow + "]";
    }
}
