package com.finehero.server.platform.observe;

import java.lang.System.Logger.Level;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * One log line per call on logger {@code finehero.access}: method, protocol, code, duration, request
 * id, trace id. Never the payload, never credentials. Silence it in logging.properties
 * ({@code finehero.access.level=WARNING}) or with {@code finehero.observe.access-log=false}.
 */
public final class AccessLogInterceptor implements ServerInterceptor {

    private static final System.Logger LOG = System.getLogger("finehero.access");

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        if (!LOG.isLoggable(Level.INFO)) {
            return next.startCall(call, headers);
        }
        long start = System.nanoTime();
        String protocol = RequestContext.protocol(headers);
        String requestId = RequestContext.requestId();
        String traceId = RequestContext.trace().map(TraceContext::traceId).orElse("");
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                LOG.log(Level.INFO, String.format(java.util.Locale.ROOT, "method=%s protocol=%s code=%s ms=%.3f request_id=%s trace_id=%s",
                        call.getMethodDescriptor().getFullMethodName(), protocol, status.getCode(),
                        (System.nanoTime() - start) / 1e6, requestId, traceId));
                super.close(status, trailers);
            }
        }, headers);
    }
}
