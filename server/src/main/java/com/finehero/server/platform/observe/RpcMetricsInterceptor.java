package com.finehero.server.platform.observe;

import java.util.Objects;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Times every call from its start to its close and records it with its final status. */
public final class RpcMetricsInterceptor implements ServerInterceptor {

    private final RpcMetrics metrics;

    public RpcMetricsInterceptor(RpcMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        String protocol = RequestContext.protocol(headers);
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                metrics.record(method, protocol, status.getCode(), System.nanoTime() - start);
                super.close(status, trailers);
            }
        }, headers);
    }
}
