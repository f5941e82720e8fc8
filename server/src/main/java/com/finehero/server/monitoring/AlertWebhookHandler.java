package com.finehero.server.monitoring;

import java.time.Duration;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

/**
 * {@code alert_webhook}: posts one alert change to the configured webhook. The task engine owns the
 * retries (with backoff) and keeps the delivery across restarts; the receiver can drop repeats by
 * the Idempotency-Key, which is the same on every attempt.
 */
final class AlertWebhookHandler implements TaskHandler {

    static final String TYPE = "alert_webhook";
    private static final PayloadSpec PAYLOAD = PayloadSpec.builder().string("alert", true, null, 64 * 1024).build();

    private final WebhookAlertNotifier webhook;
    private final Defaults defaults;

    AlertWebhookHandler(WebhookAlertNotifier webhook, int attempts, Duration backoff) {
        this.webhook = Objects.requireNonNull(webhook, "webhook");
        this.defaults = new Defaults(attempts, backoff, backoff.multipliedBy(64).compareTo(Duration.ofMinutes(10)) > 0
                ? backoff.multipliedBy(64) : Duration.ofMinutes(10), 4);
    }

    /** The payload of the task that delivers {@code change}. */
    static Struct payload(Alert change) {
        try {
            return Struct.newBuilder().putFields("alert", Value.newBuilder()
                    .setStringValue(JsonFormat.printer().omittingInsignificantWhitespace().print(change)).build()).build();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public PayloadSpec payload() {
        return PAYLOAD;
    }

    @Override
    public Defaults defaults() {
        return defaults;
    }

    @Override
    public Struct run(TaskContext context) throws Exception {
        Alert.Builder change = Alert.newBuilder();
        JsonFormat.parser().merge(context.payload().string("alert", ""), change);
        webhook.send(change.build());
        return Struct.newBuilder().putFields("delivered", Value.newBuilder().setStringValue(change.getId()).build()).build();
    }
}
