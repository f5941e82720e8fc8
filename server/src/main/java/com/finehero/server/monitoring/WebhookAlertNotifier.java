package com.finehero.server.monitoring;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.finehero.api.monitoring.v1.Alert;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/**
 * POSTs each alert change as JSON to {@code finehero.monitoring.alerts.webhook.url}:
 * {@code {"type": "finehero.alert", "alert": {...proto3 JSON of Alert...}}}, with an
 * {@code Idempotency-Key} header (alert id + update time) so a receiver can drop repeats.
 * A 2xx answer is success; anything else, a timeout or a connection failure is retried after
 * {@code backoff}, doubling each time, up to {@code attempts} tries in all, then logged and dropped.
 * Deliveries run in the background: {@link #deliver} never blocks the evaluator.
 */
public final class WebhookAlertNotifier implements AlertNotifier, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(WebhookAlertNotifier.class.getName());
    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

    private final URI url;
    private final Duration timeout;
    private final int attempts;
    private final Duration backoff;
    private final HttpClient http;
    private final ScheduledExecutorService retries;

    public WebhookAlertNotifier(URI url, Duration timeout, int attempts, Duration backoff) {
        this.url = Objects.requireNonNull(url, "url");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts: " + attempts + " (expected: >= 1)");
        }
        this.attempts = attempts;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.retries = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("finehero-alert-webhook").factory());
    }

    @Override
    public void deliver(Alert change) {
        delivery(change);
    }

    /** Delivers in the background; completes with the attempts it took, or exceptionally once given up. */
    CompletableFuture<Integer> delivery(Alert change) {
        CompletableFuture<Integer> outcome = new CompletableFuture<>();
        schedule(change, 1, Duration.ZERO, outcome);
        return outcome;
    }

    private void schedule(Alert change, int attempt, Duration delay, CompletableFuture<Integer> outcome) {
        try {
            retries.schedule(() -> attempt(change, attempt, outcome), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.log(Level.WARNING, "alert webhook: shutting down, not delivered: " + change.getRule() + " " + change.getId());
            outcome.completeExceptionally(e);
        }
    }

    private void attempt(Alert change, int attempt, CompletableFuture<Integer> outcome) {
        try {
            send(change);
            outcome.complete(attempt);
        } catch (IOException | RuntimeException e) {
            if (attempt >= attempts) {
                LOG.log(Level.WARNING, "alert webhook: gave up after " + attempt + " attempt(s) for " + change.getRule()
                        + " " + change.getId() + ": " + e.getMessage());
                outcome.completeExceptionally(new IOException("gave up after " + attempt + " attempt(s)", e));
                return;
            }
            Duration wait = backoff.multipliedBy(1L << Math.min(20, attempt - 1));
            LOG.log(Level.INFO, "alert webhook: attempt " + attempt + " failed (" + e.getMessage() + "), retrying in "
                    + wait.toMillis() + " ms");
            schedule(change, attempt + 1, wait, outcome);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome.completeExceptionally(e);
        }
    }

    /**
     * One delivery attempt, on the calling thread: returns on a 2xx answer, throws otherwise. This is
     * what a task handler would call once the task engine owns the retries.
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
        retries.shutdownNow();
        http.close();
    }
}
