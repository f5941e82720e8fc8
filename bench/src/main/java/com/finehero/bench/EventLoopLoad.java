package com.finehero.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Recorder;

/**
 * Load driven from one event loop: the loop starts each call and, when its answer arrives on the same
 * loop, times it and starts or schedules the next. {@link LoadRun}'s blocking callers park and wake a
 * virtual thread per call; on a 2-core box that instrument kept two thirds of the box busy at a quarter
 * of the echo's rate, and its own wake-ups showed up in the servers' percentiles. One thread and no
 * hand-offs leave the CPU to the server under test.
 */
final class EventLoopLoad {

    /** Starts one call without waiting for it; reports its end exactly once. */
    interface AsyncCall {
        void start(Outcome done);
    }

    /** How a call ended. */
    interface Outcome {
        void succeeded();

        /** @param reason what went wrong: a gRPC status code, say */
        void failed(String reason);
    }

    private EventLoopLoad() {
    }

    /** {@code concurrency} callers, each starting its next call as soon as the last one answers. */
    static LoadRun.Result closed(String name, int concurrency, Duration warmup, Duration measure,
                                 ScheduledExecutorService loop, AsyncCall call) throws InterruptedException {
        return run(name, concurrency, 0, warmup, measure, loop, call);
    }

    /**
     * {@code concurrency} callers sharing a fixed offered rate, each on its own schedule. A call's latency
     * counts from when it was due, not when it was sent, so a stall shows up in the percentiles instead
     * of quietly lowering the rate (no coordinated omission).
     */
    static LoadRun.Result paced(String name, int concurrency, double ratePerSecond, Duration warmup, Duration measure,
                                ScheduledExecutorService loop, AsyncCall call) throws InterruptedException {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, was " + ratePerSecond);
        }
        return run(name, concurrency, interval(concurrency, ratePerSecond), warmup, measure, loop, call);
    }

    /** How many calls {@link #paced} makes in {@code time}: each caller's due times that fall before the end. */
    static long pacedCalls(int concurrency, double ratePerSecond, Duration time) {
        long interval = interval(concurrency, ratePerSecond);
        long calls = 0;
        for (int i = 0; i < concurrency; i++) {
            long first = interval * i / concurrency;
            calls += first < time.toNanos() ? (time.toNanos() - first + interval - 1) / interval : 0;
        }
        return calls;
    }

    /** Nanoseconds between one paced caller's calls, so that {@code concurrency} of them offer the rate. */
    private static long interval(int concurrency, double ratePerSecond) {
        return (long) (concurrency * 1e9 / ratePerSecond);
    }

    private static LoadRun.Result run(String name, int concurrency, long interval, Duration warmup, Duration measure,
                                      ScheduledExecutorService loop, AsyncCall call) throws InterruptedException {
        return LoadRun.warmThenMeasure(name, warmup, measure,
                (time, recorder, failures) -> drive(concurrency, interval, time, loop, call, recorder, failures));
    }

    private static void drive(int concurrency, long interval, Duration time, ScheduledExecutorService loop, AsyncCall call,
                              Recorder recorder, LoadRun.Failures failures) throws InterruptedException {
        long begin = System.nanoTime();
        CountDownLatch finished = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Caller caller = new Caller(loop, call, interval, begin + time.toNanos(), recorder, failures, finished);
            long first = begin + interval * i / concurrency; // paced callers spread evenly over one interval
            loop.execute(() -> caller.due(first));
        }
        finished.await();
    }

    /** One simulated caller: only ever touched from the loop, so its state needs no synchronisation. */
    private static final class Caller {
        private final ScheduledExecutorService loop;
        private final AsyncCall call;
        private final long interval;
        private final long end;
        private final Recorder recorder;
        private final LoadRun.Failures failures;
        private final CountDownLatch finished;
        private long due;

        Caller(ScheduledExecutorService loop, AsyncCall call, long interval, long end, Recorder recorder,
               LoadRun.Failures failures, CountDownLatch finished) {
            this.loop = loop;
            this.call = call;
            this.interval = interval;
            this.end = end;
            this.recorder = recorder;
            this.failures = failures;
            this.finished = finished;
        }

        void due(long at) {
            due = at;
            if (at >= end) {
                finished.countDown();
                return;
            }
            long wait = at - System.nanoTime();
            if (wait > 0) {
                loop.schedule(this::fire, wait, TimeUnit.NANOSECONDS);
            } else {
                fire();
            }
        }

        private void fire() {
            long sent = System.nanoTime();
            long from = interval == 0 ? sent : due; // closed loop times the call; paced, the wait for it too
            call.start(new Outcome() {
                @Override
                public void succeeded() {
                    long now = System.nanoTime();
                    if (recorder != null) {
                        recorder.recordValue(Math.max(0, now - from));
                    }
                    next(now);
                }

                @Override
                public void failed(String reason) {
                    failures.add(reason);
                    next(System.nanoTime());
                }
            });
        }

        private void next(long now) {
            long next = interval == 0 ? now : due + interval;
            // through the loop's queue, never nested: a call that fails at once would otherwise recurse
            loop.execute(() -> due(next));
        }
    }
}
