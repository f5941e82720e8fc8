package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Cache settings ({@code finehero.cache.*}; env {@code FINEHERO_CACHE_ENABLED}, {@code FINEHERO_CACHE_FINES_TTL}, ...).
 *
 * @param enabled         false: nothing is cached
 * @param nearTrustedFor  with Redis, how long a near copy is served without asking Redis
 * @param regions         the settings of each named cache ({@code finehero.cache.<name>.*})
 */
public record CacheConfig(boolean enabled, Duration nearTrustedFor, Map<String, Region> regions) {

    /**
     * One named cache.
     *
     * @param ttl   how long an entry is kept
     * @param max   entries kept in this process (without Redis)
     * @param near  with Redis, near copies kept in this process; null for caches that keep none (pages)
     */
    public record Region(Duration ttl, int max, Integer near) {
        public Region {
            Objects.requireNonNull(ttl, "ttl");
        }
    }

    public CacheConfig {
        Objects.requireNonNull(nearTrustedFor, "nearTrustedFor");
        regions = Map.copyOf(regions);
    }

    public static CacheConfig from(Config cache) {
        Map<String, Region> regions = new TreeMap<>();
        for (Config node : cache.asNodeList().orElse(List.of())) {
            if (node.type() == Config.Type.OBJECT) {
                regions.put(node.name(), new Region(
                        ConfigValues.duration(node, "ttl"),
                        ConfigValues.intInRange(node, "max", 1, 10_000_000),
                        node.get("near").exists() ? ConfigValues.intInRange(node, "near", 0, 10_000_000) : null));
            }
        }
        return new CacheConfig(ConfigValues.bool(cache, "enabled"), ConfigValues.duration(cache, "near-trusted-for"), regions);
    }

    /** The settings of the cache {@code name}; a cache the code uses without settings is a wiring mistake. */
    Region region(String name) {
        Region region = regions.get(name);
        if (region == null) {
            throw new IllegalArgumentException("configuration finehero.cache." + name + " is missing: expected its ttl and max "
                    + "(application.yaml sets them for every cache)");
        }
        return region;
    }
}
