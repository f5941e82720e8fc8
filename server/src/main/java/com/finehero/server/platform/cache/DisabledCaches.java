package com.finehero.server.platform.cache;

import java.util.Optional;

/** Caches that hold nothing but still count, for running FineHero (and its benchmarks) uncached. */
final class DisabledCaches {

    private DisabledCaches() {
    }

    static final class Region implements CacheRegion {
        private final String name;
        private final CacheStats stats = new CacheStats();

        Region(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Optional<byte[]> get(String key) {
            stats.miss();
            return Optional.empty();
        }

        @Override
        public Optional<byte[]> peek(String key) {
            return Optional.empty();
        }

        @Override
        public void putIfNewer(String key, long version, byte[] value) {
        }

        @Override
        public void markDeleted(String key) {
        }

        @Override
        public void invalidate(String key) {
        }

        @Override
        public CacheStats stats() {
            return stats;
        }
    }

    static final class Pages implements PageCache {
        private final CacheStats stats = new CacheStats();

        @Override
        public Lookup lookup(String key, String dependency) {
            stats.miss();
            return new Lookup(null, Optional.empty());
        }

        @Override
        public void put(String key, String stamp, byte[] page) {
        }

        @Override
        public void invalidateAll() {
        }

        @Override
        public void invalidate(java.util.Collection<String> dependencies) {
        }

        @Override
        public CacheStats stats() {
            return stats;
        }
    }
}
