package com.finehero.server.platform.rpc;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;

/**
 * The calls' deadline timers on Netty's {@link HashedWheelTimer}, as the scheduler gRPC's
 * {@code Context.withDeadline} takes. Almost every call finishes long before its deadline, so a timer is
 * nearly always set and cancelled unfired: on the wheel each is a lock-free queue offer, where a
 * {@code ScheduledThreadPoolExecutor} takes its lock and re-sorts its heap both times (1.6% of a
 * cache-hit REST GetFine's CPU in the profile). The price is resolution: a deadline fires on the first
 * tick after it passes, at most {@link #TICK_MILLIS} late. The wheel's thread starts with the first timer
 * and wakes once a tick from then on.
 *
 * <p>Only what {@code Context} uses is here: {@link #schedule(Runnable, long, TimeUnit)} and cancelling
 * its future. The rest of the interface is refused.
 */
final class DeadlineWheel extends AbstractExecutorService implements ScheduledExecutorService {

    static final long TICK_MILLIS = 10;

    private final HashedWheelTimer wheel = new HashedWheelTimer(
            Thread.ofPlatform().daemon().name("finehero-deadlines").factory(), TICK_MILLIS, TimeUnit.MILLISECONDS);
    private volatile boolean shutdown;

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return new Pending(wheel.newTimeout(timeout -> command.run(), delay, unit), unit.toNanos(delay) + System.nanoTime());
    }

    /** Timers set and neither fired nor cleared yet (a cancelled one is cleared on the next tick). */
    long pending() {
        return wheel.pendingTimeouts();
    }

    @Override
    public void shutdown() {
        shutdown = true;
        wheel.stop();
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    @Override
    public void execute(Runnable command) {
        throw new UnsupportedOperationException("deadline timers only");
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("deadline timers only");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("deadline timers only");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("deadline timers only");
    }

    /** A timer on the wheel, as the future {@code Context} keeps to cancel it. */
    private record Pending(Timeout timeout, long dueNanos) implements ScheduledFuture<Object> {

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return timeout.cancel();
        }

        @Override
        public boolean isCancelled() {
            return timeout.isCancelled();
        }

        @Override
        public boolean isDone() {
            return timeout.isExpired() || timeout.isCancelled();
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException("a deadline timer has no result");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException("a deadline timer has no result");
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
