package com.finehero.server.platform.rpc;

import java.util.Locale;

import io.grpc.stub.StreamObserver;

/** Small habits every gRPC service adapter shares. */
public final class Replies {

    private Replies() {
    }

    /** Answers a unary call. */
    public static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }

    /** Ids are UUIDs, compared in lower case whatever case the caller sent. */
    public static String id(String raw) {
        return raw.toLowerCase(Locale.ROOT);
    }

    /** A requested page size: the default when unset, capped at the maximum. */
    public static int pageSize(int requested, int fallback, int max) {
        return requested <= 0 ? fallback : Math.min(requested, max);
    }
}
