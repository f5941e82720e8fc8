package com.finehero.server.platform.cache;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;


/**
 * Creates the named regions: in Redis when it is configured, otherwise in this process. Each
 * region's settings come from {@code finehero.cache.<region>} (env {@code FINEHERO_CACHE_FINES_TTL}).
 */
public final class Caches {

    private final CacheConfig config;
    private final RedisConnector redis;
    private final java.time.Clock clock;
    private final Map<String, CacheRegion> regions = new ConcurrentHashMap<>();
    private final Map<String, PageCache> pages = new ConcurrentHashMap<>();

    public Caches(CacheConfig config, RedisConnector redis, java.time.Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** "redis", "in-process" or "disabled" ({@code finehero.cache.enabled=false}). */
    public String backend() {
        return !config.enabled() ? "disabled" : redis.config().enabled() ? "redis" : "in-process";
    }

    /** A cache of single records by id. */
    public CacheRegion region(String name) {
        return regions.computeIfAbsent(name, n -> {
            CacheConfig.Region settings = config.region(n);
            if (!config.enabled()) {
                return new DisabledCaches.Region(n);
            }
            if (!redis.config().enabled()) {
                return new LocalCacheRegion(n, settings.ttl(), settings.max());
            }
            if (settings.near() == null) {
                throw new IllegalArgumentException("configuration finehero.cache." + n + ".near is missing: expected the number of "
                        + "near copies kept with Redis (env var FINEHERO_CACHE_" + n.toUpperCase(java.util.Locale.ROOT).replace("-", "_dash_")
                        + "_NEAR)");
            }
            return new RedisCacheRegion(n, settings.ttl(), redis, settings.near(), config.nearTrustedFor(), clock);
        });
    }

    /** A page cache (search results, list pages). */
    public PageCache pages(String name) {
        return pages.computeIfAbsent(name, n -> {
            CacheConfig.Region settings = config.region(n);
            if (!config.enabled()) {
                return new DisabledCaches.Pages();
            }
            return redis.config().enabled() ? new RedisPageCache(n, settings.ttl(), redis) : new LocalPageCache(settings.ttl(), settings.max());
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
