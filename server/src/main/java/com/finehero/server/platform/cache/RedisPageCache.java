package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * {@link PageCache} in Redis, shared by every instance: the generation is a Redis counter, a page key
 * includes it, and one Lua script reads both in a single round trip. If a generation bump could not
 * reach Redis, it is made before Redis is read again.
 *
 * <p>The script names the page key it reads only once it has read the generation, so Redis Cluster
 * cannot route it by that key: every key of one region carries the region's hash tag
 * ({@code <prefix>:{<region>}:...}) and lies in the generation key's slot. A region's pages therefore
 * live on one cluster master; regions spread over the masters.
 */
final class RedisPageCache implements PageCache {

    private static final String LOOKUP = """
            local generation = redis.call('GET', KEYS[1]) or '0'
            return {generation, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])}""";

    private final String name;
    private final RedisConnector redis;
    private final long ttlMillis;
    private final CacheStats stats = new CacheStats();
    private volatile boolean missedInvalidation;

    RedisPageCache(String name, Duration ttl, RedisConnector redis) {
        this.name = Objects.requireNonNull(name, "name");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public Lookup lookup(String key) {
        Optional<RedissonClient> client = usable();
        if (client.isEmpty()) {
            stats.miss();
            return new Lookup(-1, Optional.empty());
        }
        try {
            List<Object> answer = redis.awaitRead(client.get().getScript(ByteArrayCodec.INSTANCE).<List<Object>>evalAsync(
                    RScript.Mode.READ_ONLY, LOOKUP, RScript.ReturnType.MULTI, List.of(generationKey()),
                    (pagesKey() + ":").getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8)));
            long generation = Long.parseLong(new String((byte[]) answer.get(0), StandardCharsets.US_ASCII));
            byte[] page = answer.size() > 1 ? (byte[]) answer.get(1) : null;
            if (page == null) {
                stats.miss();
            } else {
                stats.hit();
            }
            return new Lookup(generation, Optional.ofNullable(page));
        } catch (RedisConnector.ReadTimeout e) {
            // served from the database; Redis is not marked down, so this instance's invalidations keep reaching it
            stats.error();
            stats.miss();
            return new Lookup(-1, Optional.empty());
        } catch (RuntimeException e) {
            stats.error();
            redis.failed(e);
            stats.miss();
            return new Lookup(-1, Optional.empty());
        }
    }

    @Override
    public void put(String key, long generation, byte[] page) {
        if (generation < 0) {
            return; // the lookup did not reach Redis: the generation is unknown, so store nothing
        }
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty()) {
            return;
        }
        try {
            client.get().<byte[]>getBucket(pagesKey() + ":" + generation + ":" + key, ByteArrayCodec.INSTANCE)
                    .set(page, Duration.ofMillis(ttlMillis));
        } catch (RuntimeException e) {
            stats.error();
            redis.failed(e);
        }
    }

    @Override
    public void invalidateAll() {
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty()) {
            missedInvalidation = true;
            return;
        }
        try {
            client.get().getAtomicLong(generationKey()).incrementAndGet();
        } catch (RuntimeException e) {
            missedInvalidation = true;
            stats.error();
            redis.failed(e);
        }
    }

    @Override
    public CacheStats stats() {
        return stats;
    }

    private Optional<RedissonClient> usable() {
        Optional<RedissonClient> client = redis.available();
        if (client.isPresent() && missedInvalidation) {
            try {
                client.get().getAtomicLong(generationKey()).incrementAndGet();
                missedInvalidation = false;
            } catch (RuntimeException e) {
                stats.error();
                redis.failed(e);
                return Optional.empty();
            }
        }
        return client;
    }

    private String generationKey() {
        return pagesKey() + ":generation";
    }

    /** {@code <prefix>:{<region>}}: the start of every key of this region, one hash slot for all of them. */
    private String pagesKey() {
        return redis.key("{" + name + "}");
    }
}
