package com.finehero.server.platform.cache;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.github.benmanes.caffeine.cache.Cache;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocalCachesTest {

    @Test
    void upkeepRunsOnTheCallingThreadBeforeTheCallReturns() {
        List<Thread> evictedOn = new CopyOnWriteArrayList<>();
        Cache<String, String> cache = LocalCaches.builder().maximumSize(1)
                .<String, String>removalListener((key, value, cause) -> evictedOn.add(Thread.currentThread()))
                .build();

        cache.put("a", "1");
        cache.put("b", "2");

        assertEquals(List.of(Thread.currentThread()), evictedOn, "evicted by the put itself, not by a pool thread later");
        assertEquals(1, cache.estimatedSize());
    }
}
