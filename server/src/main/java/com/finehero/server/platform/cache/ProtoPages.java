package com.finehero.server.platform.cache;

import java.util.function.Supplier;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;

/** Reads a protobuf page through a {@link PageCache}, loading and storing it on a miss. */
public final class ProtoPages {

    private ProtoPages() {
    }

    public static <T extends Message> T through(PageCache cache, String key, Parser<T> parser, Supplier<T> loader) {
        return through(cache, key, null, parser, loader);
    }

    /** As {@link #through(PageCache, String, Parser, Supplier)}, for a page that depends on {@code dependency} (null: none). */
    public static <T extends Message> T through(PageCache cache, String key, String dependency, Parser<T> parser, Supplier<T> loader) {
        PageCache.Lookup lookup = cache.lookup(key, dependency);
        if (lookup.page().isPresent()) {
            try {
                return parser.parseFrom(lookup.page().get());
            } catch (InvalidProtocolBufferException e) {
                // an unreadable entry (e.g. written by another version): load afresh
            }
        }
        long start = System.nanoTime();
        T loaded = loader.get();
        cache.stats().load(System.nanoTime() - start);
        cache.put(key, lookup.stamp(), loaded.toByteArray());
        return loaded;
    }
}
