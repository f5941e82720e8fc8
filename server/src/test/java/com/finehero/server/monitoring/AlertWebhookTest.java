package com.finehero.server.monitoring;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Alert changes are POSTed to the configured webhook as JSON; a 500 is retried (same idempotency key)
 * until the receiver accepts it. The receiver is a JDK HttpServer in this test.
 */
class AlertWebhookTest {

    private record Received(String idempotencyKey, String contentType, String body) { }

    private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    private static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
    private static final HttpServer RECEIVER = receiver();

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.monitoring.alerts.interval", "PT1H")
            .with("finehero.monitoring.alerts.cpu.enabled", "false")
            .with("finehero.monitoring.alerts.memory.enabled", "false")
            .with("finehero.monitoring.alerts.disk.warn", "0")
            .with("finehero.monitoring.alerts.disk.critical", "100")
            .with("finehero.monitoring.alerts.webhook.url", "http://127.0.0.1:" + RECEIVER.getAddress().getPort() + "/hook")
            .with("finehero.monitoring.alerts.webhook.backoff", "PT0.05S")
            .with("finehero.monitoring.alerts.webhook.attempts", "3");

    private static HttpServer receiver() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                RECEIVED.add(new Received(exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                        exchange.getRequestHeaders().getFirst("Content-Type"), body));
                exchange.sendResponseHeaders(FAILURES_LEFT.getAndDecrement() > 0 ? 500 : 204, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopReceiver() {
        RECEIVER.stop(0);
    }

    @Test
    void aChangeIsPostedAndRetriedAfterA500() throws Exception {
        RECEIVED.clear();
        FAILURES_LEFT.set(1);
        APP.clock().advance(Duration.ofHours(1));
        AlertEvaluator.Evaluation evaluation = APP.app().alerts().evaluator().evaluateNow();
        Alert fired = evaluation.changes().stream().filter(a -> a.getRule().equals("disk")).findFirst().orElseThrow();

        await().atMost(Duration.ofSeconds(10)).until(() -> RECEIVED.size() >= 1);
        // the delivery is an alert_webhook task: its retry waits out the backoff on the engine's clock
        APP.clock().advance(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> RECEIVED.size() >= 2);
        assertThat(RECEIVED).hasSize(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(com.finehero.api.tasks.v1.TasksServiceGrpc
                .newBlockingStub(APP.channel()).listTasks(com.finehero.api.tasks.v1.ListTasksRequest.newBuilder()
                        .setType("alert_webhook").build()).getTasksList())
                .singleElement().satisfies(task -> {
                    assertThat(task.getState()).isEqualTo(com.finehero.api.tasks.v1.TaskState.TASK_STATE_SUCCEEDED);
                    assertThat(task.getAttempts()).isEqualTo(2);
                }));
        assertThat(RECEIVED.get(0).idempotencyKey()).isNotBlank().isEqualTo(RECEIVED.get(1).idempotencyKey())
                .startsWith(fired.getId());
        assertThat(RECEIVED.get(1).contentType()).isEqualTo("application/json");
        JsonObject body = JsonParser.parseString(RECEIVED.get(1).body()).getAsJsonObject();
        assertThat(body.get("type").getAsString()).isEqualTo("finehero.alert");
        Alert.Builder sent = Alert.newBuilder();
        JsonFormat.parser().merge(body.get("alert").toString(), sent);
        assertThat(sent.build()).isEqualTo(fired);
        assertThat(sent.getState()).isEqualTo(AlertState.ALERT_STATE_FIRING);
    }

    @Test
    void givesUpAfterTheConfiguredAttempts() throws Exception {
        WebhookAlertNotifier webhook = new WebhookAlertNotifier(
                java.net.URI.create("http://127.0.0.1:" + RECEIVER.getAddress().getPort() + "/hook"),
                Duration.ofSeconds(5), 2, Duration.ofMillis(10));
        try {
            RECEIVED.clear();
            FAILURES_LEFT.set(100);
            var outcome = webhook.delivery(Alert.newBuilder().setId("a-1").setRule("cpu").build());
            assertThatThrownBy(() -> outcome.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasRootCauseMessage("webhook answered HTTP 500").hasMessageContaining("gave up after 2 attempt(s)");
            assertThat(RECEIVED).hasSize(2);
        } finally {
            webhook.close();
            FAILURES_LEFT.set(0);
        }
    }
}
