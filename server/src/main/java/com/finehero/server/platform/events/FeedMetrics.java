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
 * websocket), events read from the outbox, events handed to watchers, the lag from commit to hand-out,
 * watchers that fell behind (RESYNC) and ids given up after the gap grace.
 */
public final class FeedMetrics {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter delivered;
    private final Counter resyncs;
    private final Counter gapsGivenUp;
    private final Timer lag;
    private final Map<String, AtomicInteger> openByFace = new ConcurrentHashMap<>();

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

    void resynced() {
        resyncs.increment();
    }

    void gapGivenUp() {
        gapsGivenUp.increment();
    }
}
