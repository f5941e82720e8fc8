package com.finehero.server.platform.rpc;

import java.util.List;

import com.finehero.server.platform.db.Consistency;
import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Read-your-writes across read replicas: takes the caller's {@value Consistency#HEADER} token (the
 * newest one it was given) onto the call's {@link Consistency}, which holds the call's replica reads to
 * it, and answers a call that wrote with the primary's position after its write as the new token, in the
 * trailers (the REST bridge forwards it as a response header). Installed only with
 * {@code finehero.db.replicas}: without replicas every read is the primary's and a token means nothing.
 */
public final class ConsistencyInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> HEADER = Metadata.Key.of(Consistency.HEADER, Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        Consistency consistency;
        try {
            // more than one (a proxy's, the client's own): the newest, and every one must be a token
            Iterable<String> given = headers.getAll(HEADER);
            consistency = Consistency.of(given == null ? List.of() : given);
        } catch (IllegalArgumentException e) {
            throw new FineHeroException.InvalidArgument("INVALID_CONSISTENCY_TOKEN", e.getMessage(), List.of());
        }
        ServerCall<ReqT, RespT> answering = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(io.grpc.Status status, Metadata trailers) {
                consistency.token().ifPresent(token -> trailers.put(HEADER, token));
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(Consistency.KEY, consistency), answering, headers, next);
    }
}
