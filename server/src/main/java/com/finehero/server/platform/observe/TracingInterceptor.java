package com.finehero.server.platform.observe;

import java.util.Optional;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * W3C trace context for every call, gRPC or REST (the bridge forwards {@code traceparent}): the caller's
 * trace is continued with a span id of this server's, or a new trace starts. The position is in the
 * call's Context ({@link RequestContext#trace()}, so every log line of the call carries the trace id)
 * and goes back to the caller as the {@code traceparent} response header.
 *
 * <p>With {@code finehero.observe.tracing.enabled=true}, OpenTelemetry takes over: the span is created
 * through the OpenTelemetry API given here (the global one: an SDK or the Java agent installs it), with
 * the caller's context extracted by its propagators, and it ends when the call closes, with the status.
 * When no SDK is installed, the API hands out invalid spans and FineHero's own propagation stays.
 */
public final class TracingInterceptor implements ServerInterceptor {

    public static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final AttributeKey<Long> RPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("finehero.request_id");

    private static final TextMapGetter<Metadata> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
            return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
            return carrier == null || key.endsWith(Metadata.BINARY_HEADER_SUFFIX) ? null
                    : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    private TracingInterceptor(Tracer tracer, TextMapPropagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** FineHero's own W3C propagation, no spans recorded. */
    public static TracingInterceptor propagationOnly() {
        return new TracingInterceptor(null, null);
    }

    /** Spans through this OpenTelemetry (usually {@code GlobalOpenTelemetry.get()}). */
    public static TracingInterceptor openTelemetry(OpenTelemetry openTelemetry) {
        return new TracingInterceptor(openTelemetry.getTracer("finehero"), openTelemetry.getPropagators().getTextMapPropagator());
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        Optional<TraceContext> caller = TraceContext.parse(headers.get(TRACEPARENT));
        TraceContext trace = null;
        Span span = null;
        if (tracer != null) {
            String method = call.getMethodDescriptor().getFullMethodName();
            Span started = tracer.spanBuilder(method)
                    .setParent(propagator.extract(io.opentelemetry.context.Context.root(), headers, HEADERS))
                    .setSpanKind(SpanKind.SERVER)
                    .setAttribute(RPC_SYSTEM, "grpc")
                    .setAttribute(RPC_SERVICE, call.getMethodDescriptor().getServiceName())
                    .setAttribute(RPC_METHOD, call.getMethodDescriptor().getBareMethodName())
                    .setAttribute(REQUEST_ID, RequestContext.requestId())
                    .startSpan();
            SpanContext context = started.getSpanContext();
            if (context.isValid()) {
                span = started;
                trace = new TraceContext(context.getTraceId(), context.getSpanId(),
                        caller.map(TraceContext::spanId).orElse(""), context.getTraceFlags().asHex());
            }
        }
        if (trace == null) {
            trace = TraceContext.serverSpan(caller);
        }
        String header = trace.header();
        Span recorded = span;
        ServerCall<ReqT, RespT> traced = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            private boolean headersSent;

            @Override
            public void sendHeaders(Metadata responseHeaders) {
                headersSent = true;
                responseHeaders.put(TRACEPARENT, header);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (!headersSent) {
                    trailers.put(TRACEPARENT, header); // trailers-only answer
                }
                if (recorded != null) {
                    recorded.setAttribute(RPC_STATUS, (long) status.getCode().value());
                    if (status.getCode() != Status.Code.OK) {
                        recorded.setStatus(StatusCode.ERROR, status.getCode().name());
                    }
                    recorded.end();
                }
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(RequestContext.TRACE, trace), traced, headers, next);
    }
}
