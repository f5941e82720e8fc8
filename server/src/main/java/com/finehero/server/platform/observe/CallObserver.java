package com.finehero.server.platform.observe;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Objects;
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
 * What every call, gRPC or REST, carries and leaves behind:
 * <ul>
 *   <li>a <b>request id</b>: the caller's {@code x-request-id} if it is sane, else a new UUID;</li>
 *   <li>a <b>W3C trace position</b>: the caller's {@code traceparent} continued with a span id of this
 *   server's, or a new trace (the bridge forwards {@code traceparent}, so REST calls join too);</li>
 *   <li>both in the call's Context (every log line of the call carries them, {@link RequestContext}) and
 *   back to the caller as response headers, or trailers when the answer is trailers only;</li>
 *   <li>with metrics on, the call's duration by method, protocol and final status ({@link RpcMetrics});</li>
 *   <li>with the access log on, one line per call on logger {@code finehero.access}: method, protocol,
 *   code, duration, request id, trace id; never the payload, never credentials (silence it in
 *   logging.properties, {@code finehero.access.level=WARNING}, or with {@code finehero.observe.access-log=false}).</li>
 * </ul>
 * With tracing through OpenTelemetry ({@code finehero.observe.tracing.enabled=true}), the span is created
 * through the OpenTelemetry API given here (the global one: an SDK or the Java agent installs it), with
 * the caller's context extracted by its propagators, and it ends when the call closes, with the status.
 * When no SDK is installed, the API hands out invalid spans and FineHero's own propagation stays.
 *
 * <p>One interceptor with one wrapper and one Context rather than one for each of these: every wrapper
 * is a further call on each of the call's methods, and every Context is attached and detached around
 * each of its listener's callbacks.
 */
public final class CallObserver implements ServerInterceptor {

    public static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    private static final System.Logger ACCESS = System.getLogger("finehero.access");
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

    /** Null when spans are not recorded (FineHero's own propagation only). */
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** Null when metrics are off. */
    private final RpcMetrics metrics;
    private final boolean accessLog;

    private CallObserver(Builder builder) {
        this.tracer = builder.openTelemetry == null ? null : builder.openTelemetry.getTracer("finehero");
        this.propagator = builder.openTelemetry == null ? null : builder.openTelemetry.getPropagators().getTextMapPropagator();
        this.metrics = builder.metrics;
        this.accessLog = builder.accessLog;
    }

    /** Request ids and trace propagation only; the builder adds spans, metrics and the access log. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        long start = System.nanoTime();
        String requestId = RequestContext.requestIdFor(headers.get(RequestContext.REQUEST_ID_HEADER));
        String protocol = RequestContext.protocol(headers);
        Optional<TraceContext> caller = TraceContext.parse(headers.get(TRACEPARENT));
        Span span = tracer == null ? null : startSpan(call, headers, requestId);
        TraceContext trace = span == null ? TraceContext.serverSpan(caller) : new TraceContext(span.getSpanContext().getTraceId(),
                span.getSpanContext().getSpanId(), caller.map(TraceContext::spanId).orElse(""),
                span.getSpanContext().getTraceFlags().asHex());
        String traceHeader = trace.header();
        boolean logged = accessLog && ACCESS.isLoggable(Level.INFO);
        ServerCall<ReqT, RespT> observed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            private boolean headersSent;

            @Override
            public void sendHeaders(Metadata responseHeaders) {
                headersSent = true;
                responseHeaders.put(RequestContext.REQUEST_ID_HEADER, requestId);
                responseHeaders.put(TRACEPARENT, traceHeader);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                long nanos = System.nanoTime() - start;
                if (!headersSent) { // a trailers-only answer
                    trailers.put(RequestContext.REQUEST_ID_HEADER, requestId);
                    trailers.put(TRACEPARENT, traceHeader);
                }
                if (span != null) {
                    span.setAttribute(RPC_STATUS, (long) status.getCode().value());
                    if (status.getCode() != Status.Code.OK) {
                        span.setStatus(StatusCode.ERROR, status.getCode().name());
                    }
                    span.end();
                }
                String method = getMethodDescriptor().getFullMethodName();
                if (metrics != null) {
                    metrics.record(method, protocol, status.getCode(), nanos);
                }
                if (logged) {
                    ACCESS.log(Level.INFO, String.format(Locale.ROOT, "method=%s protocol=%s code=%s ms=%.3f request_id=%s trace_id=%s",
                            method, protocol, status.getCode(), nanos / 1e6, requestId, trace.traceId()));
                }
                super.close(status, trailers);
            }
        };
        Context context = Context.current().withValues(RequestContext.REQUEST_ID, requestId,
                RequestContext.PROTOCOL, protocol, RequestContext.TRACE, trace);
        return Contexts.interceptCall(context, observed, headers, next);
    }

    /** The call's server span, or null when the OpenTelemetry API hands out invalid ones (no SDK installed). */
    private Span startSpan(ServerCall<?, ?> call, Metadata headers, String requestId) {
        Span started = tracer.spanBuilder(call.getMethodDescriptor().getFullMethodName())
                .setParent(propagator.extract(io.opentelemetry.context.Context.root(), headers, HEADERS))
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(RPC_SYSTEM, "grpc")
                .setAttribute(RPC_SERVICE, call.getMethodDescriptor().getServiceName())
                .setAttribute(RPC_METHOD, call.getMethodDescriptor().getBareMethodName())
                .setAttribute(REQUEST_ID, requestId)
                .startSpan();
        SpanContext context = started.getSpanContext();
        return context.isValid() ? started : null;
    }

    public static final class Builder {
        private OpenTelemetry openTelemetry;
        private RpcMetrics metrics;
        private boolean accessLog;

        private Builder() {
        }

        /** Records a span for every call through this OpenTelemetry (usually {@code GlobalOpenTelemetry.get()}). */
        public Builder spans(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /** Times every call into these metrics. */
        public Builder metrics(RpcMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** Logs one line per call on {@code finehero.access}. */
        public Builder accessLog() {
            this.accessLog = true;
            return this;
        }

        public CallObserver build() {
            return new CallObserver(this);
        }
    }
}
