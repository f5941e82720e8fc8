package com.finehero.server.monitoring;

import java.time.Duration;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

/**
 * {@code alert_webhook}: posts one alert change to the configured webhook. The task engine owns the
 * retries (with backoff) and keeps the delivery across restarts; the receiver can drop repeats by
 * the Idempotency-Key, which is the same on every attempt.
 */
final class AlertWebhookHandler extends AbstractTaskHandler {

    static final String NAME = "alert_webhook";

    private final WebhookAlertNotifier webhook;

    /** Retries {@code attempts} times from {@code backoff} (finehero.monitoring.alerts.webhook.*). */
    AlertWebhookHandler(WebhookAlertNotifier webhook, int attempts, Duration backoff) {
        super(new TaskType(NAME,
                PayloadSpec.builder().string("alert", true, null, 64 * 1024).build(),
                new TaskHandler.Defaults(attempts, backoff, backoff.multipliedBy(64).compareTo(Duration.ofMinutes(10)) > 0
                        ? backoff.multipliedBy(64) : Duration.ofMinutes(10), 4),
                TaskType.Submitters.internalOnly()));
        this.webhook = Objects.requireNonNull(webhook, "webhook");
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
    public Struct run(TaskContext context) throws Exception {
        Alert.Builder change = Alert.newBuilder();
        JsonFormat.parser().merge(context.payload().string("alert", ""), change);
        webhook.send(change.build());
        return Struct.newBuilder().putFields("delivered", Value.newBuilder().setStringValue(change.getId()).build()).build();
    }
}
