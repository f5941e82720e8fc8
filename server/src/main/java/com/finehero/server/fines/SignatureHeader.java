package com.finehero.server.fines;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Hands the {@code x-finehero-signature} header of a call to the service, which sees only messages.
 * The REST bridge passes every {@code x-*} header on as metadata, so both protocols carry it the same way.
 */
final class SignatureHeader implements ServerInterceptor {

    static final Metadata.Key<String> HEADER = Metadata.Key.of("x-finehero-signature", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> VALUE = Context.key("finehero-payment-signature");

    /** The header of the call this thread serves; null when it had none. */
    static String current() {
        return VALUE.get();
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String value = headers.get(HEADER);
        if (value == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(VALUE, value), call, headers, next);
    }
}
