package com.finehero.server.platform.cache;

import java.util.Collection;
import java.util.Optional;

/**
 * A cache of computed pages (search results, list pages) that cannot be invalidated key by key. Pages
 * are stored under a stamp of generations: a global one, which {@link #invalidateAll} moves, and, for a
 * page read with a dependency, the generation of that dependency, which {@link #invalidate} moves. A
 * write that can change only some pages names what it touched (for search: the terms and jurisdictions
 * of the document), so the pages depending on something else stay. Dependencies are opaque strings,
 * hashed into {@link #DEPENDENCY_BUCKETS} generations: two dependencies may share one, which invalidates
 * more than needed, never less.
 *
 * <p>A reader takes the {@link Lookup} before it loads from the database and stores under that lookup's
 * stamp, so a page computed from data older than a write is stored where nobody reads any more.
 * Failures of the backing store are misses.
 */
public interface PageCache {

    /** How many generations dependencies are hashed into. */
    int DEPENDENCY_BUCKETS = 16_384;

    /** The current stamp of pages without a dependency and, if present, the page stored under it. */
    default Lookup lookup(String key) {
        return lookup(key, null);
    }

    /** The current stamp of pages depending on {@code dependency} (null: none) and, if present, the page stored under it. */
    Lookup lookup(String key, String dependency);

    /** Stores a page under the stamp the reader saw before loading it. */
    void put(String key, String stamp, byte[] page);

    /** Moves every page to a new generation. */
    void invalidateAll();

    /** Moves the pages depending on any of {@code dependencies} to a new generation; pages without a dependency too. */
    void invalidate(Collection<String> dependencies);

    CacheStats stats();

    /** {@code stamp} is null when the generations could not be read: nothing is stored then. */
    record Lookup(String stamp, Optional<byte[]> page) { }

    /** The generation bucket of a dependency. */
    static int bucket(String dependency) {
        return Math.floorMod(dependency.hashCode() * 0x9E3779B9, DEPENDENCY_BUCKETS);
    }
}
