package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;

/**
 * {@link PageCache} in Redis, shared by every instance: the global generation is a Redis counter, the
 * dependency generations (and that of pages without a dependency, field {@code -}) are fields of one
 * Redis hash, a page key includes the stamp they make, and one Lua script reads the stamp and the page
 * in a single round trip; another bumps many dependencies in one. A bump that could not reach Redis is
 * owed ({@link OwedChanges}) and delivered as soon as Redis answers; until then this instance reads no
 * page from Redis.
 *
 * <p>The script names the page key it reads only once it has read the stamp, so Redis Cluster cannot
 * route it by that key: every key of one region carries the region's hash tag
 * ({@code <prefix>:{<region>}:...}) and lies in the generation key's slot. A region's pages therefore
 * live on one cluster master; regions spread over the masters.
 */
final class RedisPageCache implements PageCache {

    private static final String LOOKUP = """
            local stamp = (redis.call('GET', KEYS[1]) or '0') .. '.' .. (redis.call('HGET', KEYS[2], ARGV[3]) or '0')
            return {stamp, redis.call('GET', ARGV[1] .. stamp .. ':' .. ARGV[2])}""";
    private static final String INVALIDATE = """
            for _, field in ipairs(ARGV) do redis.call('HINCRBY', KEYS[1], field, 1) end
            return 0""";
    /** Dependency bumps that may be owed at once before one bump of the global generation replaces them. */
    private static final int MAX_OWED = 1_000;
    private static final String GENERATION = "*";
    /** The hash field of pages read without a dependency. */
    private static final String UNDEPENDING = "-";

    private final String name;
    private final RedisConnector redis;
    private final long ttlMillis;
    private final CacheStats stats = new CacheStats();
    private final OwedChanges owed;

    RedisPageCache(String name, Duration ttl, RedisConnector redis) {
        this.name = Objects.requireNonNull(name, "name");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.ttlMillis = ttl.toMillis();
        this.owed = new OwedChanges(name, redis, stats, MAX_OWED, this::bumpGeneration);
    }

    @Override
    public Lookup lookup(String key, String dependency) {
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty() || owed.owesAnything()) {
            stats.miss();
            return new Lookup(null, Optional.empty());
        }
        try {
            String field = dependency == null ? UNDEPENDING : Integer.toString(PageCache.bucket(dependency));
            List<Object> answer = redis.awaitRead(client.get().getScript(ByteArrayCodec.INSTANCE).<List<Object>>evalAsync(
                    RScript.Mode.READ_ONLY, LOOKUP, RScript.ReturnType.MULTI, List.of(generationKey(), dependenciesKey()),
                    (pagesKey() + ":").getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8),
                    field.getBytes(StandardCharsets.US_ASCII)));
            String stamp = new String((byte[]) answer.get(0), StandardCharsets.US_ASCII);
            byte[] page = answer.size() > 1 ? (byte[]) answer.get(1) : null;
            if (page == null) {
                stats.miss();
            } else {
                stats.hit();
            }
            return new Lookup(stamp, Optional.ofNullable(page));
        } catch (RedisConnector.ReadTimeout e) {
            // served from the database; Redis is not marked down, so this instance's invalidations keep reaching it
            stats.error();
            stats.miss();
            return new Lookup(null, Optional.empty());
        } catch (RuntimeException e) {
            stats.error();
            redis.failed(e);
            stats.miss();
            return new Lookup(null, Optional.empty());
        }
    }

    @Override
    public void put(String key, String stamp, byte[] page) {
        if (stamp == null) {
            return; // the lookup did not reach Redis: the generations are unknown, so store nothing
        }
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty()) {
            return;
        }
        try {
            client.get().<byte[]>getBucket(pagesKey() + ":" + stamp + ":" + key, ByteArrayCodec.INSTANCE)
                    .set(page, Duration.ofMillis(ttlMillis));
        } catch (RuntimeException e) {
            stats.error();
            redis.failed(e);
        }
    }

    @Override
    public void invalidateAll() {
        owed.deliver(GENERATION, this::bumpGeneration);
    }

    @Override
    public void invalidate(Collection<String> dependencies) {
        List<Object> fields = new ArrayList<>();
        fields.add(UNDEPENDING);
        dependencies.stream().mapToInt(PageCache::bucket).distinct().sorted().forEach(bucket -> fields.add(Integer.toString(bucket)));
        owed.deliver(fields.toString(), client -> client.getScript(StringCodec.INSTANCE).evalAsync(RScript.Mode.READ_WRITE, INVALIDATE,
                RScript.ReturnType.INTEGER, List.of(dependenciesKey()), fields.toArray()));
    }

    @Override
    public CacheStats stats() {
        return stats;
    }

    private RFuture<Long> bumpGeneration(RedissonClient client) {
        return client.getAtomicLong(generationKey()).incrementAndGetAsync();
    }

    private String generationKey() {
        return pagesKey() + ":generation";
    }

    /** {@code <prefix>:{<region>}}: the start of every key of this region, one hash slot for all of them. */
    private String pagesKey() {
        return redis.key("{" + name + "}");
    }

    private String dependenciesKey() {
        return pagesKey() + ":dependencies";
    }
}
