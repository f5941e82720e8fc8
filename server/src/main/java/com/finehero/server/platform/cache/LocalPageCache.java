package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import com.github.benmanes.caffeine.cache.Cache;

/** {@link PageCache} in this process's memory. */
final class LocalPageCache implements PageCache {

    private final AtomicLong generation = new AtomicLong();
    private final AtomicLongArray dependencies = new AtomicLongArray(DEPENDENCY_BUCKETS);
    /** The generation of pages read without a dependency: any narrow invalidation moves it too. */
    private final AtomicLong undepending = new AtomicLong();
    private final Cache<String, byte[]> pages;
    private final CacheStats stats = new CacheStats();

    LocalPageCache(Duration ttl, long maxEntries) {
        this.pages = LocalCacheRegion.bounded(ttl, maxEntries, stats);
    }

    @Override
    public Lookup lookup(String key, String dependency) {
        String stamp = generation.get() + (dependency == null
                ? "-" + undepending.get()
                : "." + dependencies.get(PageCache.bucket(dependency)));
        byte[] page = pages.getIfPresent(stamp + ":" + key);
        if (page == null) {
            stats.miss();
        } else {
            stats.hit();
        }
        return new Lookup(stamp, Optional.ofNullable(page));
    }

    @Override
    public void put(String key, String stamp, byte[] page) {
        // a stamp older than a write is stored where no lookup reads; the bound and the TTL evict it
        if (stamp != null) {
            pages.put(stamp + ":" + key, page);
        }
    }

    @Override
    public void invalidateAll() {
        generation.incrementAndGet();
        pages.invalidateAll();
    }

    @Override
    public void invalidate(Collection<String> dependencies) {
        dependencies.stream().mapToInt(PageCache::bucket).distinct().forEach(this.dependencies::incrementAndGet);
        undepending.incrementAndGet(); // a page read without a dependency may depend on anything
    }

    @Override
    public CacheStats stats() {
        return stats;
    }
}
