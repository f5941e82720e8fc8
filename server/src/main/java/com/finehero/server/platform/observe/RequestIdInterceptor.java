package com.finehero.server.platform.observe;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Gives every call a request id: the caller's {@code x-request-id} if it is sane, else a new UUID. It
 * is in the call's Context (logs of that call carry it) and goes back in the response headers.
 */
public final class RequestIdInterceptor implements ServerInterceptor {

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String id = RequestContext.requestIdFor(headers.get(RequestContext.REQUEST_ID_HEADER));
        ServerCall<ReqT, RespT> tagged = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            private boolean headersSent;

            @Override
            public void sendHeaders(Metadata responseHeaders) {
                headersSent = true;
                responseHeaders.put(RequestContext.REQUEST_ID_HEADER, id);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(io.grpc.Status status, Metadata trailers) {
                if (!headersSent) {
                    trailers.put(RequestContext.REQUEST_ID_HEADER, id); // trailers-only answer
                }
                super.close(status, trailers);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(RequestContext.REQUEST_ID, id)
                .withValue(RequestContext.PROTOCOL, RequestContext.protocol(headers)), tagged, headers, next);
    }

    /**
     * A random (version 4) UUID drawn from ThreadLocalRandom. A request id must be unique, not
     * unguessable, and UUID.randomUUID's SecureRandom makes concurrent calls queue on one lock.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
