package com.finehero.server.platform.observe;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.finehero.server.platform.cache.CacheStats;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Publishes every cache's counters to the meter registry that {@code /observe/metrics} serves, as
 * Prometheus counters labelled by cache: {@code finehero_cache_hits_total{cache="fines"}}, misses,
 * loads, load time, evictions and errors. The counters are read when scraped; nothing is copied.
 */
public final class CacheMetrics {

    private CacheMetrics() {
    }

    public static void register(MeterRegistry registry, Map<String, CacheStats> caches) {
        caches.forEach((name, stats) -> {
            List<Tag> tags = List.of(Tag.create("cache", name));
            counter(registry, "finehero.cache.hits", "Reads answered from the cache", stats, CacheStats::hits, tags);
            counter(registry, "finehero.cache.misses", "Reads the cache could not answer", stats, CacheStats::misses, tags);
            counter(registry, "finehero.cache.loads", "Database loads made on misses", stats, CacheStats::loads, tags);
            counter(registry, "finehero.cache.load.nanoseconds", "Time spent loading on misses", stats, CacheStats::loadNanos, tags);
            counter(registry, "finehero.cache.evictions", "Entries evicted for size", stats, CacheStats::evictions, tags);
            counter(registry, "finehero.cache.errors", "Cache commands that failed and fell back", stats, CacheStats::errors, tags);
        });
    }

    private static void counter(MeterRegistry registry, String name, String description, CacheStats stats,
                                Function<CacheStats, Long> value, List<Tag> tags) {
        registry.getOrCreate(FunctionalCounter.builder(name, stats, value).description(description).tags(tags));
    }
}
