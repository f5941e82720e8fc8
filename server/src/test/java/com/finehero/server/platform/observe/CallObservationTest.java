package com.finehero.server.platform.observe;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.GetMetricsResponse;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.RpcStats;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every call, on either protocol, is counted, timed, logged and given a request id. */
class CallObservationTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2).with("finehero.observe.access-log", "true");

    @Test
    void callsOnBothProtocolsAreCountedTimedAndLogged() {
        List<String> accessLines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                accessLines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("finehero.access").addHandler(capture);
        try {
            var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
            Fine fine = Fixtures.fine(APP, APP.channel(), "OB-1", "OB");
            RpcStats before = getFineStats(); // the other test calls GetFine too
            for (int i = 0; i < 5; i++) {
                fines.getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
            }
            assertThatThrownBy(() -> fines.getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND));
            HttpResponse<String> rest = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines/" + fine.getId()))
                    .header("x-request-id", "rest-call-42").GET().build());
            assertThat(rest.statusCode()).isEqualTo(200);
            assertThat(rest.headers().firstValue("x-request-id")).hasValue("rest-call-42");

            GetMetricsResponse metrics = metrics();
            RpcStats getFine = getFineStats();
            assertThat(getFine.getCalls() - before.getCalls()).isEqualTo(7);
            assertThat(getFine.getErrors() - before.getErrors()).isEqualTo(1);
            assertThat(getFine.getWindowCalls() - before.getWindowCalls()).isEqualTo(7);
            assertThat(getFine.getP99Ms()).isPositive().isGreaterThanOrEqualTo(getFine.getP50Ms());
            assertThat(metrics.getPool().getMax()).isPositive();
            assertThat(metrics.getJvm().getHeapUsedBytes()).isPositive();

            String prometheus = APP.get("/observe/metrics").body();
            assertThat(prometheus).contains("finehero_rpc_server_duration_seconds_bucket")
                    .containsPattern("finehero_rpc_server_duration_seconds_count\\{[^}]*code=\"NOT_FOUND\"[^}]*method=\"finehero.fines.v1.FinesService/GetFine\"")
                    .containsPattern("method=\"finehero.fines.v1.FinesService/GetFine\"[^}]*protocol=\"rest\"")
                    // buckets only: quantiles worked out per instance cannot be added up across instances
                    .doesNotContainPattern("finehero_rpc_server_duration_seconds\\{[^}]*quantile=");

            assertThat(accessLines).anyMatch(line -> line.contains("method=finehero.fines.v1.FinesService/GetFine")
                    && line.contains("protocol=rest") && line.contains("code=OK") && line.contains("request_id=rest-call-42"));
            assertThat(accessLines).anyMatch(line -> line.contains("protocol=grpc") && line.contains("code=NOT_FOUND"));
        } finally {
            Logger.getLogger("finehero.access").removeHandler(capture);
        }
    }

    @Test
    void everyRestAnswerCarriesARequestIdRefusalsToo() {
        // refused by the bridge before any call runs: no route, no credentials, a body it cannot read
        HttpResponse<String> noRoute = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/v1/no-such-thing"))
                .header("x-request-id", "lost-caller-7").GET().build());
        assertThat(noRoute.statusCode()).isEqualTo(404);
        assertThat(noRoute.headers().firstValue("x-request-id")).hasValue("lost-caller-7");
        HttpResponse<String> anonymous = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/v1/fines"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(UUID.fromString(id)).isNotNull());
        HttpResponse<String> unreadable = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines"))
                .header("content-type", "application/json").header("x-request-id", "not sane!")
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build());
        assertThat(unreadable.statusCode()).isEqualTo(400);
        assertThat(unreadable.headers().allValues("x-request-id")).singleElement()
                .satisfies(id -> assertThat(UUID.fromString(id)).isNotNull());
        // a call's own answer has exactly one, the one the pipeline used
        HttpResponse<String> missing = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines/" + UUID.randomUUID()))
                .header("x-request-id", "rest-call-43").GET().build());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().allValues("x-request-id")).containsExactly("rest-call-43");
    }

    @Test
    void grpcCallerGetsARequestIdBack() {
        var headers = new java.util.concurrent.atomic.AtomicReference<Metadata>();
        var trailers = new java.util.concurrent.atomic.AtomicReference<Metadata>();
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel())
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        assertThatThrownBy(() -> fines.getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND));
        String id = trailers.get().get(RequestContext.REQUEST_ID_HEADER);
        assertThat(UUID.fromString(id)).as("a random UUID in canonical form").hasToString(id)
                .extracting(UUID::version).isEqualTo(4);
    }

    private static GetMetricsResponse metrics() {
        return MonitoringServiceGrpc.newBlockingStub(APP.channel()).getMetrics(GetMetricsRequest.getDefaultInstance());
    }

    /** GetFine's counters so far (all zero before its first call). */
    private static RpcStats getFineStats() {
        return metrics().getRpcsList().stream().filter(r -> r.getMethod().equals("finehero.fines.v1.FinesService/GetFine"))
                .findFirst().orElse(RpcStats.getDefaultInstance());
    }
}
