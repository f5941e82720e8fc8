package com.finehero.server.platform.rpc;

import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Refuses compressed requests by their {@code grpc-encoding} header while message compression is off
 * ({@code server.protocols.grpc.enable-compression: false}). Helidon 4.5 cannot read such a message
 * then: it logs the failure and leaves the call unanswered until the client's deadline. The refusal
 * is the gRPC spec's answer to an unsupported encoding: UNIMPLEMENTED, naming what is accepted.
 */
public final class UncompressedOnly implements ServerInterceptor {

    private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> ACCEPTED = Metadata.Key.of("grpc-accept-encoding", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
                                                                 Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String encoding = headers.get(ENCODING);
        if (encoding == null || encoding.equals("identity")) {
            return next.startCall(call, headers);
        }
        Status refusal = Status.UNIMPLEMENTED.withDescription("this server reads uncompressed messages only, and the request "
                + "came with grpc-encoding " + encoding + "; send it uncompressed (grpc-encoding identity)");
        AtomicBoolean answered = new AtomicBoolean();
        Runnable refuse = () -> {
            if (answered.compareAndSet(false, true)) {
                Metadata trailers = new Metadata();
                trailers.put(ACCEPTED, "identity");
                call.close(refusal, trailers);
            }
        };
        call.request(Integer.MAX_VALUE);
        // answered once the client has sent everything: at its half-close, or when Helidon gives up on
        // the message it cannot decompress (it reports that as a cancellation)
        return new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
                refuse.run();
            }

            @Override
            public void onCancel() {
                refuse.run();
            }
        };
    }
}
