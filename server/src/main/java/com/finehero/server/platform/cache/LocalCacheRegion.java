package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.RemovalCause;

/** A region in this process's memory (Caffeine), for the embedded mode and single-instance use. */
final class LocalCacheRegion implements CacheRegion {

    private final String name;
    private final Cache<String, byte[]> entries;
    private final CacheStats stats = new CacheStats();

    LocalCacheRegion(String name, Duration ttl, long maxEntries) {
        this.name = Objects.requireNonNull(name, "name");
        this.entries = bounded(ttl, maxEntries, stats);
    }

    /** A Caffeine cache with a TTL and a size bound whose evictions are counted in {@code stats}. */
    static <V> Cache<String, V> bounded(Duration ttl, long maxEntries, CacheStats stats) {
        return LocalCaches.builder()
                .expireAfterWrite(ttl)
                .maximumSize(maxEntries)
                .removalListener((String key, V value, RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        stats.eviction();
                    }
                })
                .build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<byte[]> get(String key) {
        byte[] stored = entries.getIfPresent(key);
        if (stored == null || Versioned.isTombstone(stored)) {
            stats.miss();
            return Optional.empty();
        }
        stats.hit();
        return Optional.of(Versioned.value(stored));
    }

    @Override
    public Optional<byte[]> peek(String key) {
        byte[] stored = entries.getIfPresent(key);
        return stored == null || Versioned.isTombstone(stored) ? Optional.empty() : Optional.of(Versioned.value(stored));
    }

    @Override
    public void putIfNewer(String key, long version, byte[] value) {
        byte[] candidate = Versioned.encode(version, value);
        entries.asMap().compute(key, (k, current) ->
                current == null || Versioned.version(current).compareTo(Versioned.version(candidate)) < 0
                        ? candidate : current);
    }

    @Override
    public void markDeleted(String key) {
        entries.put(key, Versioned.tombstone());
    }

    @Override
    public void invalidate(String key) {
        entries.invalidate(key);
    }

    @Override
    public CacheStats stats() {
        return stats;
    }
}
