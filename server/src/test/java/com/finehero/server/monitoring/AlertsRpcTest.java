package com.finehero.server.monitoring;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertEvent;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.api.monitoring.v1.ListAlertsRequest;
import com.finehero.api.monitoring.v1.ListAlertsResponse;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.WatchAlertsRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.RestCalls;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Real calls that fail trip the error-rate rule through the real RpcMetrics; the alert is listed by
 * ListAlerts (gRPC and REST, filtered and paged) and streamed by WatchAlerts (gRPC and SSE), and
 * resolves once the failures leave the window. The scheduler's interval is an hour so only the test
 * evaluates; it moves the clock by the interval before each evaluation. Each test starts with nothing
 * firing and fires what it needs.
 */
class AlertsRpcTest {

    private static final String GET_FINE = "finehero.fines.v1.FinesService/GetFine";
    private static final Duration INTERVAL = Duration.ofHours(1);

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.monitoring.alerts.interval", "PT1H")
            // Helidon 4.5 holds stop() for the drain after a server-ended stream (docs/operations.md, Gotchas)
            .with("finehero.shutdown.drain", "PT1S")
            .with("finehero.monitoring.alerts.cpu.enabled", "false")
            .with("finehero.monitoring.alerts.memory.enabled", "false")
            .with("finehero.monitoring.alerts.disk.enabled", "false")
            .with("finehero.monitoring.alerts.rpc.min-calls", "10")
            .with("finehero.monitoring.alerts.rpc.error-rate.warn", "20")
            .with("finehero.monitoring.alerts.rpc.error-rate.critical", "60");

    private final MonitoringServiceGrpc.MonitoringServiceBlockingStub monitoring =
            MonitoringServiceGrpc.newBlockingStub(APP.channel());
    private final FinesServiceGrpc.FinesServiceBlockingStub fines = FinesServiceGrpc.newBlockingStub(APP.channel());

    private static AlertEvaluator.Evaluation evaluate() {
        return APP.app().alerts().evaluator().evaluateNow();
    }

    @BeforeEach
    void nothingFiring() {
        APP.clock().advance(INTERVAL); // earlier tests' calls leave the window: what fired for them resolves
        assertThat(evaluate().outcome()).isEqualTo(AlertEvaluator.Outcome.EVALUATED);
        assertThat(firingErrorRates()).isEmpty();
    }

    @Test
    void failingCallsFireTheErrorRateRuleAndWatchersHearIt() throws Exception {
        try (Context.CancellableContext watch = Context.current().withCancellation()) {
            Iterator<AlertEvent> events = watch.call(() -> MonitoringServiceGrpc.newBlockingStub(APP.channel())
                    .watchAlerts(WatchAlertsRequest.newBuilder().setRule("rpc-error-rate").build()));
            assertThat(events.next().getFiringList()).as("first event: nothing firing yet").isEmpty();

            Alert fired = getFineFailsFourInTen();
            assertThat(fired.getRule()).isEqualTo("rpc-error-rate");
            assertThat(fired.getSeverity()).isEqualTo(AlertSeverity.ALERT_SEVERITY_WARNING);
            assertThat(fired.getValue()).isEqualTo(40.0);
            assertThat(fired.getSummary()).isEqualTo(GET_FINE + " failed 40% of 10 calls in the last 60 s (warning at 20%)");

            AlertEvent heard = events.next();
            assertThat(heard.getAlert()).isEqualTo(fired);
        }

        ListAlertsResponse firing = monitoring.listAlerts(ListAlertsRequest.newBuilder()
                .setState(AlertState.ALERT_STATE_FIRING).setRule("rpc-error-rate").build());
        assertThat(firing.getAlertsList()).extracting(Alert::getSubject).containsExactly(GET_FINE);

        HttpResponse<String> rest = APP.send(RestCalls.toHttp(APP.uri("/"),
                com.finehero.api.monitoring.v1.MonitoringProto.getDescriptor().findServiceByName("MonitoringService")
                        .findMethodByName("ListAlerts"),
                ListAlertsRequest.newBuilder().setState(AlertState.ALERT_STATE_FIRING).setRule("rpc-error-rate").build()));
        assertThat(rest.statusCode()).isEqualTo(200);
        assertThat(RestCalls.parse(rest, ListAlertsResponse.getDefaultInstance())).isEqualTo(firing);

        try (Context.CancellableContext watch = Context.current().withCancellation()) {
            Iterator<AlertEvent> events = watch.call(() -> MonitoringServiceGrpc.newBlockingStub(APP.channel())
                    .watchAlerts(WatchAlertsRequest.getDefaultInstance()));
            assertThat(events.next().getFiringList()).as("a new watcher first hears what is firing")
                    .extracting(Alert::getSubject).contains(GET_FINE);
        }
    }

    @Test
    void watchingOverRestIsServerSentEvents() throws Exception {
        getFineFailsFourInTen();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(APP.uri("/v1/monitoring/alerts:watch?rule=rpc-error-rate"))
                .header("authorization", "Bearer " + APP.adminAccessToken())
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            String first = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)).readLine();
            assertThat(first).startsWith("data: ").contains("\"firing\"").contains(GET_FINE);
        }
    }

    @Test
    void resolvesWhenTheFailuresLeaveTheWindow() {
        Alert fired = getFineFailsFourInTen();
        APP.clock().advance(INTERVAL); // the 1-minute window is empty now: GetFine is no longer judged
        AlertEvaluator.Evaluation evaluation = evaluate();
        assertThat(errorRateChanges(evaluation)).singleElement().satisfies(alert -> {
            assertThat(alert.getId()).isEqualTo(fired.getId());
            assertThat(alert.getState()).isEqualTo(AlertState.ALERT_STATE_RESOLVED);
            assertThat(alert.getSummary()).startsWith("no longer measured");
        });
        assertThat(firingErrorRates()).isEmpty();
        assertThat(monitoring.listAlerts(ListAlertsRequest.newBuilder().setState(AlertState.ALERT_STATE_RESOLVED)
                .setSeverity(AlertSeverity.ALERT_SEVERITY_WARNING).build()).getAlertsList())
                .extracting(Alert::getId).contains(fired.getId());
    }

    @Test
    void pagesFollowTheirFilters() {
        // only this test fails every call, so only its alerts are critical
        for (int round = 0; round < 3; round++) {
            APP.clock().advance(INTERVAL);
            for (int i = 0; i < 10; i++) {
                getMissingFine();
            }
            assertThat(errorRateChanges(evaluate())).extracting(Alert::getState, Alert::getSeverity)
                    .containsExactly(tuple(AlertState.ALERT_STATE_FIRING, AlertSeverity.ALERT_SEVERITY_CRITICAL));
            APP.clock().advance(INTERVAL);
            assertThat(errorRateChanges(evaluate())).extracting(Alert::getState).containsExactly(AlertState.ALERT_STATE_RESOLVED);
        }
        ListAlertsRequest filters = ListAlertsRequest.newBuilder().setRule("rpc-error-rate")
                .setSeverity(AlertSeverity.ALERT_SEVERITY_CRITICAL).setPageSize(2).build();
        ListAlertsResponse first = monitoring.listAlerts(filters);
        assertThat(first.getAlertsList()).hasSize(2);
        ListAlertsResponse second = monitoring.listAlerts(filters.toBuilder().setPageToken(first.getNextPageToken()).build());
        assertThat(second.getNextPageToken()).isEmpty();
        ListAlertsResponse all = monitoring.listAlerts(filters.toBuilder().setPageSize(100).build());
        assertThat(all.getAlertsCount()).isEqualTo(3);
        assertThat(all.getNextPageToken()).isEmpty();
        assertThat(java.util.stream.Stream.concat(first.getAlertsList().stream(), second.getAlertsList().stream()).toList())
                .isEqualTo(all.getAlertsList());

        assertThatThrownBy(() -> monitoring.listAlerts(filters.toBuilder().setRule("rpc-p99").setPageToken(first.getNextPageToken()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("page_token").contains("other filters");
                });
        assertThatThrownBy(() -> monitoring.listAlerts(filters.toBuilder().setPageToken("not-a-token").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThatThrownBy(() -> monitoring.listAlerts(ListAlertsRequest.newBuilder().setRule("Not A Rule!").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("rule");
                });
        assertThatThrownBy(() -> monitoring.listAlerts(ListAlertsRequest.newBuilder().setStateValue(7).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(APP.get("/v1/monitoring/alerts?severity=LOUD").statusCode()).isEqualTo(400);
    }

    @Test
    void stoppingTheServerEndsWatchesNormally() {
        Alert fired = getFineFailsFourInTen();
        com.finehero.server.FineHeroApp sibling = APP.startSibling();
        com.finehero.client.FineHeroClient client = APP.clientFor(sibling);
        try {
            Iterator<AlertEvent> events = MonitoringServiceGrpc.newBlockingStub(client.channel())
                    .watchAlerts(WatchAlertsRequest.newBuilder().setRule("rpc-error-rate").build());
            AlertEvent first = events.next();
            assertThat(first.hasAlert()).as("the first event is what fires now, not a change").isFalse();
            assertThat(first.getFiringList()).as("the instances share what fires").extracting(Alert::getId)
                    .containsExactly(fired.getId());
            sibling.close();
            assertThat(events.hasNext()).as("the stream completes (OK) instead of failing when the server goes").isFalse();
        } finally {
            client.close();
            sibling.close();
        }
    }

    /** Six GetFine calls succeed and four fail (40%, warning at 20%); evaluates and returns the alert fired. */
    private Alert getFineFailsFourInTen() {
        APP.clock().advance(INTERVAL); // due for its next evaluation
        Fine fine = Fixtures.fine(APP, APP.channel(), "AL-" + UUID.randomUUID().toString().substring(0, 8), "AL");
        for (int i = 0; i < 6; i++) {
            fines.getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
        }
        for (int i = 0; i < 4; i++) {
            getMissingFine();
        }
        AlertEvaluator.Evaluation evaluation = evaluate();
        assertThat(evaluation.outcome()).isEqualTo(AlertEvaluator.Outcome.EVALUATED);
        assertThat(errorRateChanges(evaluation)).as("GetFine fires").singleElement()
                .satisfies(alert -> assertThat(alert.getSubject()).isEqualTo(GET_FINE));
        return errorRateChanges(evaluation).getFirst();
    }

    /** The error-rate changes only: on a busy machine the latency rule may have its say as well. */
    private static List<Alert> errorRateChanges(AlertEvaluator.Evaluation evaluation) {
        return evaluation.changes().stream().filter(a -> a.getRule().equals("rpc-error-rate")).toList();
    }

    private void getMissingFine() {
        assertThatThrownBy(() -> fines.getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    private List<Alert> firingErrorRates() {
        return monitoring.listAlerts(ListAlertsRequest.newBuilder().setState(AlertState.ALERT_STATE_FIRING)
                .setRule("rpc-error-rate").build()).getAlertsList();
    }
}
