package com.finehero.server.platform.cache;

import java.util.Optional;

/**
 * A cache of computed pages (search results, list pages) that cannot be invalidated key by key: any
 * write to the underlying data calls {@link #invalidateAll}, which moves the cache to a new
 * generation. A reader takes the {@link Lookup} before it loads from the database and stores under
 * that lookup's generation, so a page computed from data older than a write is stored where nobody
 * reads any more. Failures of the backing store are misses.
 */
public interface PageCache {

    /** The current generation and, if present, the page stored under it. */
    Lookup lookup(String key);

    /** Stores a page under the generation the reader saw before loading it. */
    void put(String key, long generation, byte[] page);

    void invalidateAll();

    CacheStats stats();

    record Lookup(long generation, Optional<byte[]> page) { }
}
