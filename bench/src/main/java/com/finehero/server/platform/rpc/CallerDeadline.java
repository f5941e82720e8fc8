package com.finehero.server.platform.rpc;

import java.util.concurrent.TimeUnit;

import io.grpc.Deadline;

/**
 * A caller's {@code grpc-timeout} read as FineHero reads it ({@link DeadlineInterceptor}), for a floor that
 * keeps the caller's deadline with FineHero's own parsing rather than a copy of it.
 */
public final class CallerDeadline {

    private CallerDeadline() {
    }

    /** The time {@code grpcTimeout} gives the call, in nanoseconds, or -1 when the caller sent none or a malformed one. */
    public static long nanos(String grpcTimeout) {
        return DeadlineInterceptor.parse(grpcTimeout).map(deadline -> Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS))).orElse(-1L);
    }
}
