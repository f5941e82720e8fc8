package com.finehero.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: {@code concurrency} virtual threads each call as fast as answers come back for a
 * fixed time, latencies into an HdrHistogram. Errors are counted, never timed.
 */
final class LoadRun {

    record Result(String name, long calls, long errors, double seconds, double callsPerSecond,
                  double p50Ms, double p95Ms, double p99Ms, double maxMs) {
        String json() {
            return String.format(java.util.Locale.ROOT,
                    "{\"name\":\"%s\",\"calls\":%d,\"errors\":%d,\"seconds\":%.2f,\"calls_per_second\":%.1f,"
                            + "\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}",
                    name, calls, errors, seconds, callsPerSecond, p50Ms, p95Ms, p99Ms, maxMs);
        }
    }

    private LoadRun() {
    }

    static Result run(String name, int concurrency, Duration warmup, Duration measure, Callable<?> call)
            throws InterruptedException {
        return warmThenMeasure(name, warmup, measure, (time, recorder, errors) -> drive(concurrency, time, call, recorder, errors));
    }

    /** Runs a load for {@code time}, timing calls into {@code recorder} (none while warming) and counting errors. */
    interface Driver {
        void drive(Duration time, Recorder recorder, AtomicLong errors) throws InterruptedException;
    }

    /** Drives an untimed warm-up, then the measured run, and summarises the latter. */
    static Result warmThenMeasure(String name, Duration warmup, Duration measure, Driver driver) throws InterruptedException {
        driver.drive(warmup, null, new AtomicLong());
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        driver.drive(measure, recorder, errors);
        return result(name, recorder, errors, start);
    }

    private static Result result(String name, Recorder recorder, AtomicLong errors, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram histogram = recorder.getIntervalHistogram();
        long calls = histogram.getTotalCount();
        return new Result(name, calls, errors.get(), seconds, calls / seconds,
                histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(95) / 1e6,
                histogram.getValueAtPercentile(99) / 1e6, histogram.getMaxValue() / 1e6);
    }

    private static void drive(int concurrency, Duration time, Callable<?> call, Recorder recorder, AtomicLong errors)
            throws InterruptedException {
        long end = System.nanoTime() + time.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        call.call();
                        if (recorder != null) {
                            recorder.recordValue(System.nanoTime() - t0);
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
