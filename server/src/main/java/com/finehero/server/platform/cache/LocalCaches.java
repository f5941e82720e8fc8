package com.finehero.server.platform.cache;

import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Every in-process Caffeine cache starts here. Caffeine drains its read buffers and expires entries
 * on {@code ForkJoinPool.commonPool()} by default; under load, every read buffer that fills up in
 * the caches a call reads (verified tokens, revocations, rate-limit buckets, near copies) wakes a pool
 * thread to drain it. Running the upkeep on the calling thread costs that thread a few microseconds
 * now and then and spares the hand-off.
 */
public final class LocalCaches {

    private LocalCaches() {
    }

    public static Caffeine<Object, Object> builder() {
        return Caffeine.newBuilder().executor(Runnable::run);
    }
}
