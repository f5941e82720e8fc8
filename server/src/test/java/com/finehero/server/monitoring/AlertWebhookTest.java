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
import com.finehero.server.tasks.TaskType;
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
    void alertWebhookIsInternalOnlyWithTheConfiguredRetries() {
        assertThat(APP.app().tasks().types()).filteredOn(type -> type.name().equals("alert_webhook")).singleElement()
                .satisfies(type -> {
                    assertThat(type.submitters()).isEqualTo(TaskType.Submitters.internalOnly());
                    assertThat(type.defaults().maxAttempts()).isEqualTo(3);
                    assertThat(type.defaults().backoff()).isEqualTo(Duration.ofMillis(50));
                });
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
        retryAfterFailedAttempt(fired.getId(), 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> RECEIVED.size() >= 2);
        assertThat(RECEIVED).hasSize(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(com.finehero.api.tasks.v1.TasksServiceGrpc
                .newBlockingStub(APP.channel()).listTasks(com.finehero.api.tasks.v1.ListTasksRequest.newBuilder()
                        .setType("alert_webhook").build()).getTasksList())
                .filteredOn(task -> task.getPayload().getFieldsOrThrow("alert").getStringValue().contains(fired.getId()))
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
        RECEIVED.clear();
        FAILURES_LEFT.set(100);
        try {
            var tasks = com.finehero.api.tasks.v1.TasksServiceGrpc.newBlockingStub(APP.channel());
            var request = com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder().setType("alert_webhook")
                    .setPayload(AlertWebhookHandler.payload(
                            Alert.newBuilder().setId("a-1").setRule("cpu").build())).build();
            // no caller may forge a page to on-call, not even an admin: only the server queues deliveries
            com.finehero.server.testing.GrpcErrors.failure(io.grpc.Status.Code.PERMISSION_DENIED, () -> tasks.submitTask(request));
            var task = APP.app().tasks().submit(com.finehero.server.platform.security.Principal.SYSTEM, request);
            // three attempts (webhook.attempts), each retry due after the backoff on the engine's clock
            for (int attempt = 1; attempt < 3; attempt++) {
                int expected = attempt;
                await().atMost(Duration.ofSeconds(10)).until(() -> RECEIVED.size() >= expected);
                retryAfterFailedAttempt("a-1", attempt);
            }
            var get = com.finehero.api.tasks.v1.GetTaskRequest.newBuilder().setTaskId(task.getId()).build();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(tasks.getTask(get).getState()).isEqualTo(com.finehero.api.tasks.v1.TaskState.TASK_STATE_DEAD));
            assertThat(tasks.getTask(get).getLastError()).contains("attempt 3 failed with an internal error (error id ")
                    .doesNotContain("127.0.0.1");
            assertThat(RECEIVED).hasSize(3);
        } finally {
            FAILURES_LEFT.set(0);
        }
    }

    /**
     * Waits until the alert's delivery task has recorded attempt {@code attempt} as failed (so its retry
     * time is set), then moves the engine's clock past the backoff.
     */
    private static void retryAfterFailedAttempt(String alertId, int attempt) {
        var tasks = com.finehero.api.tasks.v1.TasksServiceGrpc.newBlockingStub(APP.channel());
        await().atMost(Duration.ofSeconds(10)).until(() -> tasks.listTasks(com.finehero.api.tasks.v1.ListTasksRequest.newBuilder()
                        .setType("alert_webhook").build()).getTasksList().stream()
                .filter(task -> task.getPayload().getFieldsOrThrow("alert").getStringValue().contains(alertId))
                .anyMatch(task -> task.getState() == com.finehero.api.tasks.v1.TaskState.TASK_STATE_FAILED
                        && task.getAttempts() == attempt));
        APP.clock().advance(Duration.ofSeconds(5));
    }
}
