package com.finehero.server.platform.observe;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.grpc.Status;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import org.HdrHistogram.Histogram;

/**
 * Rate, errors and duration of every RPC on both protocols. Prometheus gets a histogram
 * {@code finehero_rpc_server_duration_seconds{method, code, protocol}}; GetMetrics gets call and error
 * counts since start and p50/p95/p99/max over a sliding window from HdrHistogram.
 */
public final class RpcMetrics {

    private static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final Clock clock;
    private final Duration window;
    private final ConcurrentMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, MethodStats> methods = new ConcurrentHashMap<>();

    public RpcMetrics(MeterRegistry registry, Clock clock, Duration window) {
        this.registry = registry;
        this.clock = clock;
        this.window = window;
    }

    void record(String method, String protocol, Status.Code code, long nanos) {
        timers.computeIfAbsent(new TimerKey(method, protocol, code), k -> registry.getOrCreate(
                Timer.builder("finehero.rpc.server.duration")
                        .description("Time to answer an RPC, by method, protocol and status code")
                        .buckets(BUCKETS)
                        // no quantiles worked out per instance (Helidon's default is six): the buckets give
                        // histogram_quantile across instances and GetMetrics has its own window, while
                        // the quantiles cost every call a record into one more HdrHistogram
                        .percentiles(new double[0])
                        .tags(List.of(Tag.create("method", method), Tag.create("protocol", protocol),
                                Tag.create("code", code.name())))))
                .record(nanos, TimeUnit.NANOSECONDS);
        MethodStats stats = methods.computeIfAbsent(method, m -> new MethodStats(
                new SlidingHistogram(clock, window, 6), new SlidingHistogram(clock, window, 6)));
        stats.calls.increment();
        stats.latency.record(nanos);
        if (code != Status.Code.OK) {
            stats.errors.increment();
            stats.failures.record(nanos); // only failed calls pay for this: the window's error count
        }
    }

    /** Per method, sorted by name. */
    public Map<String, Snapshot> snapshot() {
        Map<String, Snapshot> all = new TreeMap<>();
        methods.forEach((method, stats) -> {
            long windowErrors = stats.failures.snapshot().getTotalCount(); // before the calls: never more errors than calls
            Histogram recent = stats.latency.snapshot();
            all.put(method, new Snapshot(stats.calls.sum(), stats.errors.sum(), recent.getTotalCount(),
                    Math.min(windowErrors, recent.getTotalCount()),
                    millis(recent.getValueAtPercentile(50)), millis(recent.getValueAtPercentile(95)),
                    millis(recent.getValueAtPercentile(99)), millis(recent.getMaxValue())));
        });
        return all;
    }

    public Duration window() {
        return window;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    /** Counts since start; the percentiles, windowCalls and windowErrors cover the sliding window. */
    public record Snapshot(long calls, long errors, long windowCalls, long windowErrors,
                           double p50Ms, double p95Ms, double p99Ms, double maxMs) { }

    /** A timer's tags; a record rather than the three joined, which cost every call a string built and hashed. */
    private record TimerKey(String method, String protocol, Status.Code code) { }

    private record MethodStats(LongAdder calls, LongAdder errors, SlidingHistogram latency, SlidingHistogram failures) {
        MethodStats(SlidingHistogram latency, SlidingHistogram failures) {
            this(new LongAdder(), new LongAdder(), latency, failures);
        }
    }
}
