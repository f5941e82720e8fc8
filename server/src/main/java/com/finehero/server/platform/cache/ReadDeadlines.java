package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for cache reads, each at most the read timeout, without a timer per read. Every read has the
 * same timeout, so deadlines come in the order reads start: they queue in that order, and one sweeper
 * thread ends the oldest once its deadline passes, sleeping until the next one. A read that is answered
 * first is dropped from the queue when the sweeper reaches it.
 *
 * <p>A timed wait on a virtual thread ({@code CompletableFuture.get(timeout)}) schedules its timeout on
 * the JDK's timer and cancels it once answered, and each of the two wakes the timer's thread, a cost a
 * CPU profile of cache-hit REST GetFine put above any of FineHero's own (docs/performance.md). Here a read
 * costs a queue entry, and the sweeper is woken only when the queue was empty.
 */
final class ReadDeadlines implements AutoCloseable {

    private static final TimeoutException TIMED_OUT = new TimeoutException("no answer within the read timeout");

    private final long timeoutNanos;
    private final ConcurrentLinkedQueue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    private final Object startLock = new Object();
    private volatile Thread sweeper;
    /** The sweeper found the queue empty and sleeps until a read arrives. */
    private volatile boolean idle;
    private volatile boolean closed;

    private record Waiting(long deadline, CompletableFuture<?> answer) {
    }

    ReadDeadlines(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * The reply, once it comes within the timeout.
     *
     * @throws TimeoutException     no reply within the timeout
     * @throws ExecutionException   the reply failed
     * @throws InterruptedException the waiting thread was interrupted
     */
    <T> T await(CompletionStage<T> reply) throws TimeoutException, ExecutionException, InterruptedException {
        CompletableFuture<T> future = reply.toCompletableFuture();
        if (future.isDone()) {
            return future.get();
        }
        if (closed) { // no sweeper any more: the JDK's timer
            return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        // the reader's own copy, so that ending it leaves the reply, which other readers may share, alone
        CompletableFuture<T> answer = future.copy();
        waiting.add(new Waiting(System.nanoTime() + timeoutNanos, answer));
        if (closed) { // closed while this read was queued: the sweeper may have emptied the queue already
            answer.completeExceptionally(TIMED_OUT);
        }
        wakeSweeper();
        try {
            return answer.get();
        } catch (ExecutionException e) {
            if (e.getCause() == TIMED_OUT) {
                throw new TimeoutException(TIMED_OUT.getMessage());
            }
            throw e;
        }
    }

    private void wakeSweeper() {
        Thread current = sweeper;
        if (current == null) {
            current = startSweeper();
        }
        if (idle) {
            LockSupport.unpark(current);
        }
    }

    private Thread startSweeper() {
        synchronized (startLock) {
            if (sweeper == null) {
                sweeper = Thread.ofPlatform().daemon().name("finehero-cache-read-deadlines").start(this::sweep);
            }
            return sweeper;
        }
    }

    private void sweep() {
        while (!closed) {
            Waiting oldest = waiting.peek();
            if (oldest == null) {
                idle = true;
                if (waiting.isEmpty() && !closed) { // a read added before idle was set is seen here
                    LockSupport.park(this);
                }
                idle = false;
                continue;
            }
            if (oldest.answer.isDone()) {
                waiting.poll();
                continue;
            }
            long left = oldest.deadline - System.nanoTime();
            if (left <= 0) {
                waiting.poll();
                oldest.answer.completeExceptionally(TIMED_OUT);
            } else {
                LockSupport.parkNanos(this, left);
            }
        }
        Waiting left;
        while ((left = waiting.poll()) != null) {
            left.answer.completeExceptionally(TIMED_OUT);
        }
    }

    /** Reads still queued (answered or not), for tests. */
    int queued() {
        return waiting.size();
    }

    /** Ends every read still waiting as timed out and stops the sweeper. */
    @Override
    public void close() {
        closed = true;
        Thread current = sweeper;
        if (current != null) {
            LockSupport.unpark(current);
        }
    }
}
