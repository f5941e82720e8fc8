package com.finehero.server.fines;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.finehero.api.fines.v1.ConfirmPaymentRequest;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * A provider that signs its webhook calls with a secret shared with FineHero:
 * {@code x-finehero-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, signed text)>}, where the
 * signed text is the time and the request's fields, one per line (see {@link #signedText}). Several
 * {@code v1} values may be sent (the provider rotating its secret); one matching is enough. The
 * signature covers the fields, not the wire bytes, so gRPC and REST calls verify the same way.
 */
final class HmacPaymentProvider implements PaymentProvider {

    private static final String ALGORITHM = "HmacSHA256";
    private static final String EXPECTED = "expected t=<unix seconds>,v1=<hex HMAC-SHA256>";

    private final SecretKeySpec key;
    private final Duration window;
    private final Clock clock;

    public HmacPaymentProvider(PaymentsConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        this.key = config.webhookSecret().isEmpty() ? null
                : new SecretKeySpec(config.webhookSecret().getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.window = config.replayWindow();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What is signed: the time, then the request's fields in field order, joined by line feeds. */
    static String signedText(long unixSeconds, ConfirmPaymentRequest request) {
        return unixSeconds + "\n" + request.getPaymentId() + "\n" + request.getConfirmationId() + "\n"
                + request.getAmount().getCurrencyCode() + "\n" + request.getAmount().getAmountMinor() + "\n"
                + request.getProviderReference();
    }

    @Override
    public Instant verify(String signatureHeader, ConfirmPaymentRequest confirmation) {
        if (key == null) {
            throw new FineHeroException.Unauthenticated("CONFIRMATIONS_DISABLED",
                    "this server accepts no payment confirmations: no webhook secret is configured");
        }
        if (signatureHeader == null || signatureHeader.isBlank()) {
            throw new FineHeroException.Unauthenticated("SIGNATURE_MISSING", "header x-finehero-signature is missing (" + EXPECTED + ")");
        }
        Long time = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : signatureHeader.split(",")) {
            String item = part.trim();
            try {
                if (item.startsWith("t=") && time == null) {
                    time = Long.parseLong(item.substring(2));
                } else if (item.startsWith("v1=")) {
                    signatures.add(HexFormat.of().parseHex(item.substring(3)));
                }
            } catch (IllegalArgumentException e) { // NumberFormatException too
                throw malformed(signatureHeader);
            }
        }
        if (time == null || signatures.isEmpty()) {
            throw malformed(signatureHeader);
        }
        Instant signedAt = Instant.ofEpochSecond(time);
        Instant now = clock.instant();
        if (Duration.between(signedAt, now).abs().compareTo(window) > 0) {
            throw new FineHeroException.Unauthenticated("SIGNATURE_STALE", "signature time " + signedAt
                    + " is more than " + window + " away from the server's time " + now.getEpochSecond()
                    + " (expected: signed within the replay window)");
        }
        byte[] expected = mac(signedText(time, confirmation));
        for (byte[] signature : signatures) {
            if (MessageDigest.isEqual(expected, signature)) {
                return signedAt;
            }
        }
        throw new FineHeroException.Unauthenticated("SIGNATURE_MISMATCH",
                "x-finehero-signature does not match the request (expected: HMAC-SHA256 of the signed text with the shared secret)");
    }

    private byte[] mac(String text) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private static FineHeroException malformed(String header) {
        String shown = header.length() > 100 ? header.substring(0, 100) + "…" : header;
        return new FineHeroException.Unauthenticated("SIGNATURE_MALFORMED",
                "x-finehero-signature: '" + shown.replaceAll("\\p{Cntrl}", "?") + "' (" + EXPECTED + ")");
    }
}
