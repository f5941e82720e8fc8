package com.finehero.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: {@code concurrency} virtual threads each call as fast as answers come back for a
 * fixed time, latencies into an HdrHistogram. Errors are counted by what went wrong (a gRPC status code,
 * else the exception's class), never timed.
 */
final class LoadRun {

    /** A run's figures; {@code histogram} holds its latencies (not printed), for pooling rounds. */
    record Result(String name, long calls, long errors, double seconds, double callsPerSecond,
                  double p50Ms, double p95Ms, double p99Ms, double maxMs, Map<String, Long> failures, Histogram histogram) {
        String json() {
            return json("");
        }

        /**
         * With the percentiles of every call of this and the earlier rounds pooled into {@code pooled} ({@code
         * rounds} of them): a p99 over all the calls of five rounds rests on five times the calls of one.
         */
        String json(Histogram pooled, int rounds) {
            return json(String.format(java.util.Locale.ROOT, ",\"pooled_rounds\":%d,\"pooled_calls\":%d,\"pooled_p50_ms\":%.3f,"
                            + "\"pooled_p99_ms\":%.3f,\"pooled_p999_ms\":%.3f", rounds, pooled.getTotalCount(),
                    pooled.getValueAtPercentile(50) / 1e6, pooled.getValueAtPercentile(99) / 1e6,
                    pooled.getValueAtPercentile(99.9) / 1e6));
        }

        private String json(String more) {
            String failed = failures.isEmpty() ? "" : failures.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                    .collect(Collectors.joining(",", ",\"failures\":{", "}"));
            return String.format(java.util.Locale.ROOT,
                    "{\"name\":\"%s\",\"calls\":%d,\"errors\":%d,\"seconds\":%.2f,\"calls_per_second\":%.1f,"
                            + "\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f%s%s}",
                    name, calls, errors, seconds, callsPerSecond, p50Ms, p95Ms, p99Ms, maxMs, failed, more);
        }
    }

    /** Failed calls of a run, counted by what went wrong. */
    static final class Failures {
        private final Map<String, LongAdder> byReason = new ConcurrentHashMap<>();

        void add(String reason) {
            byReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
        }

        void add(Throwable error) {
            add(reason(error));
        }

        /** The longest description kept in a reason. */
        private static final int DESCRIPTION_CHARS = 160;

        /**
         * What went wrong: a gRPC call's status code, or the class of any other exception, then what it
         * said, with numbers as {@code #} so that the failures of one kind (stream ids, ports, sizes
         * apart) count under one reason: {@code INTERNAL: RST_STREAM closed stream. HTTP/# error code: …}.
         * A status alone is what the run can tell apart; its description is how a failure is then found.
         */
        static String reason(Throwable error) {
            boolean status = error instanceof StatusRuntimeException || error instanceof StatusException;
            String kind = status ? Status.fromThrowable(error).getCode().name() : error.getClass().getSimpleName();
            String said = status ? Status.fromThrowable(error).getDescription() : error.getMessage();
            if (said == null || said.isBlank()) {
                return kind;
            }
            String masked = said.strip().replaceAll("\\s+", " ").replaceAll("[0-9]+", "#");
            return kind + ": " + (masked.length() > DESCRIPTION_CHARS ? masked.substring(0, DESCRIPTION_CHARS) + "…" : masked);
        }

        long total() {
            return byReason.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<String, Long> byReason() {
            Map<String, Long> counts = new TreeMap<>();
            byReason.forEach((reason, count) -> counts.put(reason, count.sum()));
            return counts;
        }
    }

    private LoadRun() {
    }

    static Result run(String name, int concurrency, Duration warmup, Duration measure, Callable<?> call)
            throws InterruptedException {
        return warmThenMeasure(name, warmup, measure, (time, recorder, failures) -> drive(concurrency, time, call, recorder, failures));
    }

    /** Runs a load for {@code time}, timing calls into {@code recorder} (none while warming) and counting failures. */
    interface Driver {
        void drive(Duration time, Recorder recorder, Failures failures) throws InterruptedException;
    }

    /** Drives an untimed warm-up, then the measured run, and summarises the latter. */
    static Result warmThenMeasure(String name, Duration warmup, Duration measure, Driver driver) throws InterruptedException {
        driver.drive(warmup, null, new Failures());
        Recorder recorder = new Recorder(3);
        Failures failures = new Failures();
        long start = System.nanoTime();
        driver.drive(measure, recorder, failures);
        return result(name, recorder, failures, start);
    }

    private static Result result(String name, Recorder recorder, Failures failures, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram histogram = recorder.getIntervalHistogram();
        long calls = histogram.getTotalCount();
        return new Result(name, calls, failures.total(), seconds, calls / seconds,
                histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(95) / 1e6,
                histogram.getValueAtPercentile(99) / 1e6, histogram.getMaxValue() / 1e6, failures.byReason(), histogram);
    }

    private static void drive(int concurrency, Duration time, Callable<?> call, Recorder recorder, Failures failures)
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
                        failures.add(e);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
