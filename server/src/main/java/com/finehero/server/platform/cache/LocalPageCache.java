package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Cache;

/** {@link PageCache} in this process's memory. */
final class LocalPageCache implements PageCache {

    private final AtomicLong generation = new AtomicLong();
    private final Cache<String, byte[]> pages;
    private final CacheStats stats = new CacheStats();

    LocalPageCache(Duration ttl, long maxEntries) {
        this.pages = LocalCacheRegion.bounded(ttl, maxEntries, stats);
    }

    @Override
    public Lookup lookup(String key) {
        long current = generation.get();
        byte[] page = pages.getIfPresent(current + ":" + key);
        if (page == null) {
            stats.miss();
        } else {
            stats.hit();
        }
        return new Lookup(current, Optional.ofNullable(page));
    }

    @Override
    public void put(String key, long generation, byte[] page) {
        if (generation == this.generation.get()) {
            pages.put(generation + ":" + key, page);
        }
    }

    @Override
    public void invalidateAll() {
        generation.incrementAndGet();
        pages.invalidateAll();
    }

    @Override
    public CacheStats stats() {
        return stats;
    }
}
