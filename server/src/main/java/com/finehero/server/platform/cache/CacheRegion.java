package com.finehero.server.platform.cache;

import java.util.Optional;

/**
 * A named part of the cache holding versioned byte values. A value is written only if it is newer
 * than the one already there, so a slow reader that loaded an old row can never overwrite what a
 * writer stored after committing; {@link #markDeleted} leaves a tombstone that no older value
 * replaces. Failures of the backing store are swallowed: a cache that cannot answer is a miss.
 */
public interface CacheRegion {

    String name();

    /** The value, or empty on a miss, a tombstone or a failure. */
    Optional<byte[]> get(String key);

    /**
     * Like {@link #get} but not counted in the statistics: a loader looks once more before going to the
     * database, since another loader may have filled the entry between its miss and its turn.
     */
    Optional<byte[]> peek(String key);

    /** Stores {@code value} unless the entry already holds this version or a newer one. */
    void putIfNewer(String key, long version, byte[] value);

    /** Leaves a tombstone for a deleted record: later {@link #putIfNewer} calls are ignored. */
    void markDeleted(String key);

    /** Drops an entry; the next read loads it again. */
    void invalidate(String key);

    CacheStats stats();
}
