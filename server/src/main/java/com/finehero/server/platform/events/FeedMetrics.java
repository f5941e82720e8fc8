package com.finehero.server.platform.events;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * The feed's figures in the registry {@code /observe/metrics} serves: open streams by face (grpc, sse,
 * websocket), events read from the outbox, events handed to watchers, the lag from commit to hand-out
 * and, by face, from commit to sent (written to the stream's transport), watchers that fell behind
 * (RESYNC) and ids given up after the gap grace.
 */
public final class FeedMetrics {

    private static final Duration[] LAG_BUCKETS = {
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5)};

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter delivered;
    private final Counter resyncs;
    private final Counter gapsGivenUp;
    private final Timer lag;
    private final Map<String, AtomicInteger> openByFace = new ConcurrentHashMap<>();
    private final Map<String, Timer> sentLagByFace = new ConcurrentHashMap<>();

    public FeedMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = registry.getOrCreate(Counter.builder("finehero.events.published")
                .description("Events read from the outbox by this instance"));
        this.delivered = registry.getOrCreate(Counter.builder("finehero.events.delivered")
                .description("Events handed to this instance's watchers (one per watcher)"));
        this.resyncs = registry.getOrCreate(Counter.builder("finehero.events.resyncs")
                .description("Watchers that fell behind, were sent RESYNC and replayed from the outbox"));
        this.gapsGivenUp = registry.getOrCreate(Counter.builder("finehero.events.gaps.given.up")
                .description("Event ids that never committed within the gap grace (rolled back)"));
        this.lag = registry.getOrCreate(Timer.builder("finehero.events.delivery.lag")
                .description("From an event's commit to its hand-out to watchers"));
    }

    void streams(IntSupplier total) {
        registry.getOrCreate(Gauge.builder("finehero.events.streams.total", total, s -> (double) s.getAsInt())
                .description("Event streams open on this instance"));
    }

    void opened(String face) {
        openByFace.computeIfAbsent(face, f -> {
            AtomicInteger open = new AtomicInteger();
            registry.getOrCreate(Gauge.builder("finehero.events.streams", open, AtomicInteger::doubleValue)
                    .description("Event streams open on this instance, by face").tags(List.of(Tag.create("face", f))));
            return open;
        }).incrementAndGet();
    }

    void closed(String face) {
        AtomicInteger open = openByFace.get(face);
        if (open != null) {
            open.decrementAndGet();
        }
    }

    void published(int count) {
        if (count > 0) {
            published.increment(count);
        }
    }

    void delivered(int watchers, Duration sinceCommit) {
        if (watchers > 0) {
            delivered.increment(watchers);
            lag.record(sinceCommit.isNegative() ? Duration.ZERO : sinceCommit);
        }
    }

    /**
     * An event written to one watcher's stream (for REST faces: handed to the bridge, which writes it on
     * the same thread), {@code sinceCommit} after its commit.
     */
    void sent(String face, Duration sinceCommit) {
        sentLagByFace.computeIfAbsent(face, f -> registry.getOrCreate(Timer.builder("finehero.events.sent.lag")
                .description("From an event's commit to its writing to a watcher's stream, by face")
                .buckets(LAG_BUCKETS)
                // buckets only, no per-instance quantiles (Helidon's default): recorded once per watcher
                // per event, they would cost every write another HdrHistogram record
                .percentiles(new double[0])
                .tags(List.of(Tag.create("face", f)))))
                .record(sinceCommit.isNegative() ? Duration.ZERO : sinceCommit);
    }

    void resynced() {
        resyncs.increment();
    }

    void gapGivenUp() {
        gapsGivenUp.increment();
    }
}
