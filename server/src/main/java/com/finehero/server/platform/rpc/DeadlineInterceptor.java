package com.finehero.server.platform.rpc;

import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Gives every call the caller's deadline. Helidon 4.5 neither reads {@code grpc-timeout} nor cancels
 * anything when a client goes away, so this interceptor does what grpc-java's own server does: the
 * call runs in a {@link Context} with the deadline, a call that arrives already expired is not
 * started, the call is answered {@code DEADLINE_EXCEEDED} the moment the deadline passes, and the
 * context is cancelled then or when the client cancels, which stops the database statement it runs
 * and any work that watches the context. The REST bridge's calls carry its timeout the same way. Calls
 * that already run under a deadline (the bridge's streaming calls, whose in-process server enforces it)
 * pass through unchanged.
 */
public final class DeadlineInterceptor implements ServerInterceptor, AutoCloseable {

    static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    private final ScheduledThreadPoolExecutor timer = timer();

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        Context current = Context.current();
        if (current.getDeadline() != null) {
            return next.startCall(call, headers);
        }
        Optional<Deadline> deadline = parse(headers.get(TIMEOUT));
        if (deadline.isEmpty()) {
            return next.startCall(call, headers);
        }
        if (deadline.get().isExpired()) {
            call.close(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline had passed when it arrived"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context.CancellableContext context = current.withDeadline(deadline.get(), timer);
        ClosingOnce<ReqT, RespT> guarded = new ClosingOnce<>(call);
        context.addListener(cancelled -> {
            if (deadline.get().isExpired()) {
                guarded.close(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before it finished"),
                        new Metadata());
            }
        }, Runnable::run);
        ServerCall.Listener<ReqT> listener;
        try {
            listener = Contexts.interceptCall(context, guarded, headers, next);
        } catch (RuntimeException | Error e) {
            context.cancel(null);
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                // first stop the work, then tell the service
                context.cancel(Status.CANCELLED.withDescription("the client cancelled the call").asException());
                super.onCancel();
            }

            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    context.cancel(null);
                }
            }
        };
    }

    /**
     * Gives a call made in-process (the REST bridge's) {@code millis} to run, as a client's
     * {@code grpc-timeout} would: in milliseconds, or whole seconds past what 8 digits of them hold.
     */
    public static void setTimeout(Metadata headers, long millis) {
        long bounded = Math.max(0, millis);
        headers.discardAll(TIMEOUT);
        headers.put(TIMEOUT, bounded < 100_000_000 ? bounded + "m" : Math.min(99_999_999, bounded / 1000) + "S");
    }

    /**
     * {@code grpc-timeout}: at most 8 digits and a unit, H(ours), M(inutes), S(econds), m(illis), u(micros)
     * or n(anos), per the gRPC HTTP/2 protocol. A malformed value is ignored, as grpc-java does.
     */
    static Optional<Deadline> parse(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return Optional.empty();
        }
        long amount;
        try {
            amount = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (amount < 0) {
            return Optional.empty();
        }
        long nanos = switch (value.charAt(value.length() - 1)) {
            case 'n' -> amount;
            case 'u' -> TimeUnit.MICROSECONDS.toNanos(amount);
            case 'm' -> TimeUnit.MILLISECONDS.toNanos(amount);
            case 'S' -> TimeUnit.SECONDS.toNanos(amount);
            case 'M' -> TimeUnit.MINUTES.toNanos(amount);
            case 'H' -> TimeUnit.HOURS.toNanos(amount);
            default -> -1;
        };
        return nanos < 0 ? Optional.empty() : Optional.of(Deadline.after(nanos, TimeUnit.NANOSECONDS));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Deadline timers queued: one per call under way with a deadline. */
    int pendingTimers() {
        return timer.getQueue().size();
    }

    /**
     * One thread for every call's deadline. A call that finishes first cancels its timer, which is then
     * removed at once: by default a cancelled timer stays queued until its deadline, so with a 30 s
     * deadline and 15,000 calls a second the queue would hold some 450,000 dead timers, each keeping its
     * call's context reachable (grpc-java's own timer removes them the same way).
     */
    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("finehero-deadlines").factory());
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** The service and the deadline timer may both close the call; the first one wins, on one thread at a time. */
    private static final class ClosingOnce<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
        private boolean closed;

        ClosingOnce(ServerCall<ReqT, RespT> delegate) {
            super(delegate);
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(RespT message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (closed) {
                return;
            }
            closed = true;
            super.close(status, trailers);
        }
    }
}
