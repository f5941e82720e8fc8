package com.finehero.server.platform.observe;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code finehero.observe.tracing.enabled=true} with an OpenTelemetry SDK installed globally (as the
 * agent or autoconfigure would): every call becomes a SERVER span under the caller's context, ended
 * with its status, and the ids FineHero returns and logs are the span's.
 */
class OpenTelemetryTracingTest {

    private static final InMemorySpanExporter SPANS = installSdk();

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2).with("finehero.observe.tracing.enabled", "true");

    private static InMemorySpanExporter installSdk() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build());
        return exporter;
    }

    @AfterAll
    static void uninstallSdk() {
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void callsBecomeServerSpansUnderTheCallersTrace() {
        Fine fine = Fixtures.fine(APP, APP.channel(), "OT-1", "OT");
        SPANS.reset();
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Metadata sent = new Metadata();
        sent.put(CallObserver.TRACEPARENT, "00-" + TracingTest.TRACE + "-" + TracingTest.CALLER_SPAN + "-01");
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel()).withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(sent), MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        fines.getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
        assertThatThrownBy(() -> fines.getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()))
                .as("NOT_FOUND: an ERROR span").isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND));

        await().until(() -> SPANS.getFinishedSpanItems().size() >= 2);
        List<SpanData> spans = SPANS.getFinishedSpanItems();
        assertThat(spans).hasSize(2).allSatisfy(span -> {
            assertThat(span.getName()).isEqualTo("finehero.fines.v1.FinesService/GetFine");
            assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(span.getTraceId()).isEqualTo(TracingTest.TRACE);
            assertThat(span.getParentSpanId()).isEqualTo(TracingTest.CALLER_SPAN);
        });
        assertThat(spans.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(spans.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(spans.get(1).getAttributes().asMap().toString()).contains("rpc.grpc.status_code=5");
        // the last call failed trailers-only: its traceparent names its span
        TraceContext returned = TraceContext.parse(trailers.get().get(CallObserver.TRACEPARENT)).orElseThrow();
        assertThat(returned.spanId()).isEqualTo(spans.get(1).getSpanId());
        // and the span names the request id the caller got back, so a log line leads to its span
        assertThat(spans.get(1).getAttributes().get(AttributeKey.stringKey("finehero.request_id")))
                .isNotBlank().isEqualTo(trailers.get().get(RequestContext.REQUEST_ID_HEADER));
    }
}
