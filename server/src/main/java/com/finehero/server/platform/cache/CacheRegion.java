package com.finehero.server.platform.cache;

import java.util.Optional;
import java.util.function.Function;

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
     * The value as {@code decoder} reads it, or empty as for {@link #get}. A region may keep what the
     * decoder made beside its copy of the value and hand the same object to later reads of that value
     * with the same decoder, so a decoder must make immutable objects (protobuf messages are) and should
     * be one instance, not a new lambda per call. A decoder that cannot read a value throws
     * {@link IllegalArgumentException}, which reaches the caller.
     */
    default <T> Optional<T> get(String key, Function<byte[], T> decoder) {
        return get(key).map(decoder);
    }

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
