package com.finehero.server.platform.observe;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * W3C traceparent on both protocols with FineHero's own propagation (tracing not enabled): the caller's
 * trace continues under a new span id of the server's, a missing or broken header starts a new trace,
 * the answer carries the server's traceparent, and the call's log lines carry the trace id.
 */
class TracingTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN = "00f067aa0ba902b7";

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2).with("finehero.observe.access-log", "true");

    @Test
    void grpcCallerTraceContinuesAndComesBack() {
        Fine fine = Fixtures.fine(APP, APP.channel(), "TR-1", "TR");
        List<String> jsonLines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                jsonLines.add(new JsonLogFormatter().format(record)); // formatted on the call's thread, as a handler does
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("finehero.access").addHandler(capture);
        Metadata answer;
        try {
            answer = call(fine.getId(), "00-" + TRACE + "-" + CALLER_SPAN + "-01").headers();
        } finally {
            Logger.getLogger("finehero.access").removeHandler(capture);
        }
        TraceContext server = TraceContext.parse(answer.get(CallObserver.TRACEPARENT)).orElseThrow();
        assertThat(server.traceId()).isEqualTo(TRACE);
        assertThat(server.spanId()).isNotEqualTo(CALLER_SPAN);
        assertThat(server.flags()).isEqualTo("01");

        JsonObject line = jsonLines.stream().map(l -> JsonParser.parseString(l).getAsJsonObject())
                .filter(l -> l.get("message").getAsString().contains("FinesService/GetFine")).findFirst().orElseThrow();
        assertThat(line.get("trace_id").getAsString()).isEqualTo(TRACE);
        assertThat(line.get("span_id").getAsString()).isEqualTo(server.spanId());
        assertThat(line.get("message").getAsString()).contains("trace_id=" + TRACE);
    }

    @Test
    void missingOrBrokenHeaderStartsANewTraceEvenOnFailure() {
        for (String header : new String[] {null, "00-" + "0".repeat(32) + "-" + CALLER_SPAN + "-01",
                "ff-" + TRACE + "-" + CALLER_SPAN + "-01", "00-" + TRACE.toUpperCase() + "-" + CALLER_SPAN + "-01", "garbage"}) {
            Answer answer = call(UUID.randomUUID().toString(), header);
            assertThat(answer.failure()).as("header " + header).isNotNull()
                    .extracting(e -> e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
            // a failed unary call is answered trailers-only: the traceparent is in the trailers
            TraceContext server = TraceContext.parse(answer.trailers().get(CallObserver.TRACEPARENT)).orElseThrow();
            assertThat(server.traceId()).as("header " + header).isNotEqualTo(TRACE).hasSize(32);
            assertThat(server.flags()).isEqualTo("00");
        }
    }

    @Test
    void restCallerGetsTheTraceBackToo() {
        Fine fine = Fixtures.fine(APP, APP.channel(), "TR-2", "TR");
        HttpResponse<String> response = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines/" + fine.getId()))
                .header("traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01").GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        TraceContext server = TraceContext.parse(response.headers().firstValue("traceparent").orElseThrow()).orElseThrow();
        assertThat(server.traceId()).isEqualTo(TRACE);
        assertThat(server.spanId()).isNotEqualTo(CALLER_SPAN);
    }

    @Test
    void parsesOnlyValidHeaders() {
        assertThat(TraceContext.parse("00-" + TRACE + "-" + CALLER_SPAN + "-01")).hasValueSatisfying(t -> {
            assertThat(t.traceId()).isEqualTo(TRACE);
            assertThat(t.spanId()).isEqualTo(CALLER_SPAN);
        });
        assertThat(TraceContext.parse("01-" + TRACE + "-" + CALLER_SPAN + "-01-future")).as("a later version may add fields").isPresent();
        assertThat(TraceContext.parse("00-" + TRACE + "-" + CALLER_SPAN + "-01-extra")).isEmpty();
        assertThat(TraceContext.parse("00-" + TRACE + "-" + "0".repeat(16) + "-01")).isEmpty();
        assertThat(TraceContext.serverSpan(java.util.Optional.empty()).header()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
    }

    record Answer(Metadata headers, Metadata trailers, StatusRuntimeException failure) { }

    static Answer call(String fineId, String traceparent) {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Metadata sent = new Metadata();
        if (traceparent != null) {
            sent.put(CallObserver.TRACEPARENT, traceparent);
        }
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel()).withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(sent), MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        try {
            fines.getFine(GetFineRequest.newBuilder().setFineId(fineId).build());
            return new Answer(headers.get(), trailers.get(), null);
        } catch (StatusRuntimeException e) {
            return new Answer(headers.get(), trailers.get(), e);
        }
    }
}
