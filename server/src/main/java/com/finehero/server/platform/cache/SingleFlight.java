package com.finehero.server.platform.cache;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Context;
import io.grpc.Deadline;

/**
 * Collapses concurrent loads of one key into one: the first caller loads, the others wait for its
 * result. Stops a burst of misses for a hot key from becoming a burst of identical queries. A caller
 * that joins another's load waits no longer than its own call may: it gives up with
 * {@code DEADLINE_EXCEEDED} when its deadline passes or its client goes away, whatever the load it
 * joined is still doing — the leader's own deadline bounds the leader, not the callers that joined it.
 */
final class SingleFlight<T> {

    private final ConcurrentMap<String, CompletableFuture<T>> inFlight = new ConcurrentHashMap<>();

    public T load(String key, Supplier<T> loader) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<T> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return join(running);
        }
        try {
            T value = loader.get();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    /** Waits for another caller's load, within this call's deadline and while its client is there. */
    private static <T> T join(CompletableFuture<T> running) {
        Context call = Context.current();
        CompletableFuture<Object> gone = new CompletableFuture<>();
        Context.CancellationListener goneListener = cancelled -> gone.complete(null);
        call.addListener(goneListener, Runnable::run);
        try {
            Deadline deadline = call.getDeadline();
            CompletableFuture<Object> first = CompletableFuture.anyOf(running, gone);
            if (deadline == null) {
                first.get();
            } else {
                first.get(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)), TimeUnit.NANOSECONDS);
            }
            if (!running.isDone()) {
                throw stopped(call);
            }
            return running.join();
        } catch (TimeoutException e) {
            throw stopped(call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw stopped(call);
        } catch (ExecutionException | java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (CancellationException e) {
            throw stopped(call);
        } finally {
            call.removeListener(goneListener);
        }
    }

    private static FineHeroException stopped(Context call) {
        if (call.isCancelled() && !(call.getDeadline() != null && call.getDeadline().isExpired())) {
            return new FineHeroException.DeadlineExceeded("CALL_CANCELLED", "the caller cancelled the call");
        }
        return new FineHeroException.DeadlineExceeded("DEADLINE_EXCEEDED",
                "the call's deadline passed while waiting for the same record's load by another call");
    }
}
