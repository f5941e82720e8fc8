package com.finehero.server.platform.cache;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;

/**
 * Versioned protobuf records read through a {@link CacheRegion}: a hit is parsed (or handed out as the
 * region last parsed it); concurrent misses
 * for one key share one load, whose winner looks once more before going to the database; a loaded
 * or written record is stored with its version so an older one never replaces it.
 */
public final class ProtoRecords<T extends Message> {

    private final CacheRegion cache;
    private final Parser<T> parser;
    private final ToLongFunction<T> version;
    private final SingleFlight<Optional<T>> loads = new SingleFlight<>();
    /** One instance, so a region that keeps decoded values recognises its own. */
    private final Function<byte[], T> decoder = this::decode;

    public ProtoRecords(CacheRegion cache, Parser<T> parser, ToLongFunction<T> version) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.version = Objects.requireNonNull(version, "version");
    }

    public Optional<T> find(String key, Supplier<Optional<T>> loader) {
        Optional<T> cached = cached(key, true);
        if (cached.isPresent()) {
            return cached;
        }
        return loads.load(key, () -> {
            Optional<T> filled = cached(key, false); // another loader may have finished just before our turn
            if (filled.isPresent()) {
                return filled;
            }
            long start = System.nanoTime();
            Optional<T> loaded = loader.get();
            cache.stats().load(System.nanoTime() - start);
            loaded.ifPresent(record -> remember(key, record));
            return loaded;
        });
    }

    /** Stores a committed record unless the cache already holds this version or a newer one. */
    public T remember(String key, T record) {
        cache.putIfNewer(key, version.applyAsLong(record), record.toByteArray());
        return record;
    }

    private T decode(byte[] bytes) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("unreadable " + e.getMessage(), e);
        }
    }

    /** The cached record, read as a hit or miss ({@code counted}) or as a peek; an unreadable entry is dropped. */
    private Optional<T> cached(String key, boolean counted) {
        try {
            return counted ? cache.get(key, decoder) : cache.peek(key).map(decoder);
        } catch (IllegalArgumentException unreadable) {
            cache.invalidate(key); // e.g. written by another version: load afresh
            return Optional.empty();
        }
    }
}
