package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Creates the named regions: in Redis when it is configured, otherwise in this process. Each
 * region's TTL comes from {@code finehero.cache.<region>.ttl} (env {@code FINEHERO_CACHE_FINES_TTL}).
 */
public final class Caches {

    private final Config config;
    private final RedisConnector redis;
    private final java.time.Clock clock;
    private final boolean enabled;
    private final Duration nearTrustedFor;
    private final Map<String, CacheRegion> regions = new ConcurrentHashMap<>();
    private final Map<String, PageCache> pages = new ConcurrentHashMap<>();

    public Caches(Config cacheConfig, RedisConnector redis, java.time.Clock clock) {
        this.config = Objects.requireNonNull(cacheConfig, "cacheConfig");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.enabled = ConfigValues.bool(cacheConfig, "enabled", true);
        this.nearTrustedFor = ConfigValues.duration(cacheConfig, "near-trusted-for", Duration.ofMillis(100));
        if (nearTrustedFor.isNegative()) {
            throw new IllegalArgumentException("configuration finehero.cache.near-trusted-for = " + nearTrustedFor
                    + " is invalid: expected zero (confirm every read with Redis) or a positive ISO-8601 duration such as PT0.1S");
        }
    }

    /** "redis", "in-process" or "disabled" ({@code finehero.cache.enabled=false}). */
    public String backend() {
        return !enabled ? "disabled" : redis.config().enabled() ? "redis" : "in-process";
    }

    public CacheRegion region(String name, Duration defaultTtl) {
        return regions.computeIfAbsent(name, n -> {
            Duration ttl = ConfigValues.duration(config.get(n), "ttl", defaultTtl);
            long maxEntries = ConfigValues.intInRange(config.get(n), "max", 100_000, 1, 10_000_000);
            if (!enabled) {
                return new DisabledCaches.Region(n);
            }
            return redis.config().enabled()
                    ? new RedisCacheRegion(n, ttl, redis, ConfigValues.intInRange(config.get(n), "near", 10_000, 0, 10_000_000),
                            nearTrustedFor, clock)
                    : new LocalCacheRegion(n, ttl, maxEntries);
        });
    }

    /** A page cache (search results, list pages); TTL from {@code finehero.cache.<name>.ttl}. */
    public PageCache pages(String name, Duration defaultTtl) {
        return pages.computeIfAbsent(name, n -> {
            Duration ttl = ConfigValues.duration(config.get(n), "ttl", defaultTtl);
            long maxEntries = ConfigValues.intInRange(config.get(n), "max", 10_000, 1, 10_000_000);
            if (!enabled) {
                return new DisabledCaches.Pages();
            }
            return redis.config().enabled() ? new RedisPageCache(n, ttl, redis) : new LocalPageCache(ttl, maxEntries);
        });
    }

    /** Every cache by name with its counters: record regions and page caches alike. */
    public Map<String, CacheStats> stats() {
        Map<String, CacheStats> all = new java.util.TreeMap<>();
        regions.forEach((name, region) -> all.put(name, region.stats()));
        pages.forEach((name, cache) -> all.put(name, cache.stats()));
        return all;
    }
}
