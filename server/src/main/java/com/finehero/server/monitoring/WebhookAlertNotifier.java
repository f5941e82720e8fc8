package com.finehero.server.monitoring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/**
 * POSTs each alert change as JSON to {@code finehero.monitoring.alerts.webhook.url}:
 * {@code {"type": "finehero.alert", "alert": {...proto3 JSON of Alert...}}}, with an
 * {@code Idempotency-Key} header (alert id + update time) so a receiver can drop repeats.
 * A 2xx answer is success; anything else, a timeout or a connection failure fails the attempt. The
 * retries, their backoff and their durability are the {@code alert_webhook} task's.
 */
final class WebhookAlertNotifier implements AutoCloseable {

    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

    private final URI url;
    private final Duration timeout;
    private final HttpClient http;

    public WebhookAlertNotifier(URI url, Duration timeout) {
        this.url = Objects.requireNonNull(url, "url");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * One delivery attempt, on the calling thread: returns on a 2xx answer, throws otherwise. The
     * {@code alert_webhook} task calls it; the task engine owns the retries.
     */
    public void send(Alert change) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", change.getId() + "@" + change.getUpdateTime().getSeconds() + "."
                        + change.getUpdateTime().getNanos())
                .POST(HttpRequest.BodyPublishers.ofString(body(change), StandardCharsets.UTF_8))
                .build();
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("webhook answered HTTP " + response.statusCode());
        }
    }

    static String body(Alert change) {
        JsonObject body = new JsonObject();
        body.addProperty("type", "finehero.alert");
        try {
            body.add("alert", JsonParser.parseString(JSON.print(change)));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        return body.toString();
    }

    @Override
    public void close() {
        http.close();
    }
}
