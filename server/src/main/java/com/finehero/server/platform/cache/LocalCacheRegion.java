package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.RemovalCause;

/**
 * A region in this process's memory (Caffeine), for the embedded mode and single-instance use. Like the
 * Redis region's near copies, an entry keeps the last decoding of its value for the next read.
 */
final class LocalCacheRegion implements CacheRegion {

    private final String name;
    private final Cache<String, Entry> entries;
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
        return counted(entries.getIfPresent(key)).map(entry -> entry.value().bytes());
    }

    @Override
    public <T> Optional<T> get(String key, Function<byte[], T> decoder) {
        return counted(entries.getIfPresent(key)).map(entry -> entry.value().decoded(decoder));
    }

    private Optional<Entry> counted(Entry entry) {
        if (entry == null || entry.value() == null) {
            stats.miss();
            return Optional.empty();
        }
        stats.hit();
        return Optional.of(entry);
    }

    @Override
    public Optional<byte[]> peek(String key) {
        Entry entry = entries.getIfPresent(key);
        return entry == null || entry.value() == null ? Optional.empty() : Optional.of(entry.value().bytes());
    }

    @Override
    public void putIfNewer(String key, long version, byte[] value) {
        Entry candidate = Entry.of(Versioned.encode(version, value));
        entries.asMap().compute(key, (k, current) ->
                current == null || current.version().compareTo(candidate.version()) < 0 ? candidate : current);
    }

    @Override
    public void markDeleted(String key) {
        entries.put(key, Entry.of(Versioned.tombstone()));
    }

    @Override
    public void invalidate(String key) {
        entries.invalidate(key);
    }

    @Override
    public CacheStats stats() {
        return stats;
    }

    /** A stored version and its value, or a tombstone's version and no value. */
    private record Entry(String version, DecodedCopy value) {
        static Entry of(byte[] stored) {
            return new Entry(Versioned.version(stored),
                    Versioned.isTombstone(stored) ? null : new DecodedCopy(Versioned.value(stored)));
        }
    }
}
