package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * A region in Redis, shared by every FineHero instance. Writes compare versions inside one Lua script,
 * so two instances racing to fill or update an entry always leave the newest. A bounded near copy of
 * each entry read is kept in this process. Within {@code trustedFor} of Redis last confirming it (a
 * fresh copy counts as unconfirmed until the next read), the copy is served as it is; after that it is
 * served only once Redis confirms, by returning just the 20-byte version prefix, that it is still
 * current ({@link VersionChecks}, which lets reads arriving together share a round trip). So large
 * values cross the network once per change, a hot entry costs Redis at most one small command per
 * round trip (or per window) instead of one per read, and another
 * instance's change is served stale for at most {@code trustedFor} (never on the instance that made
 * it: a write drops the local copy). A zero window confirms every read. A change that could not
 * reach Redis is owed ({@link OwedChanges}) and delivered as soon as Redis answers; until then this
 * instance reads that key from the database.
 */
final class RedisCacheRegion implements CacheRegion {

    private static final String PUT_IF_NEWER = """
            local current = redis.call('GET', KEYS[1])
            if current and string.sub(current, 1, 20) >= string.sub(ARGV[1], 1, 20) then
              return 0
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
            return 1""";

    /** Keys whose change may be owed at once before the whole region is flushed instead. */
    private static final int MAX_OWED = 10_000;

    /** The confirmation time of a copy Redis has not confirmed since it was fetched. */
    private static final long UNCONFIRMED = Long.MIN_VALUE;

    private final String name;
    private final RedisConnector redis;
    private final Clock clock;
    private final long trustedForMillis;
    private final byte[] ttlMillis;
    private final CacheStats stats = new CacheStats();
    /** Near copies of stored entries, each with when Redis last confirmed it was current. */
    private final com.github.benmanes.caffeine.cache.Cache<String, Near> near;
    private final OwedChanges owed;
    private final VersionChecks versionChecks;

    RedisCacheRegion(String name, Duration ttl, RedisConnector redis, long nearEntries, Duration trustedFor, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.trustedForMillis = trustedFor.toMillis();
        this.ttlMillis = Long.toString(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
        this.near = LocalCacheRegion.bounded(ttl, Math.max(1, nearEntries), stats);
        this.versionChecks = new VersionChecks(redis);
        this.owed = new OwedChanges(name, redis, stats, MAX_OWED, client -> client.getKeys().deleteByPatternAsync(redis.key(name, "*")));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<byte[]> get(String key) {
        Near copy = counted(lookup(key));
        return copy == null ? Optional.empty() : Optional.of(copy.value.bytes());
    }

    @Override
    public <T> Optional<T> get(String key, Function<byte[], T> decoder) {
        Near copy = counted(lookup(key));
        return copy == null ? Optional.empty() : Optional.of(copy.value.decoded(decoder));
    }

    @Override
    public Optional<byte[]> peek(String key) {
        Near copy = lookup(key);
        return copy == null ? Optional.empty() : Optional.of(copy.value.bytes());
    }

    private Near counted(Near copy) {
        if (copy != null) {
            stats.hit();
        } else {
            stats.miss();
        }
        return copy;
    }

    /** The near copy to serve, confirmed or fetched; null on a miss, a tombstone or a failure. */
    private Near lookup(String key) {
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty() || owed.owes(key)) {
            return null;
        }
        try {
            Near copy = near.getIfPresent(key);
            if (copy != null) {
                long now = clock.millis();
                long confirmedAt = copy.confirmedAt;
                if (confirmedAt != UNCONFIRMED && now - confirmedAt < trustedForMillis) {
                    return copy;
                }
                byte[] current = redis.awaitRead(versionChecks.versionOf(copy.redisKey));
                if (current != null && current.length == Versioned.PREFIX && copy.hasVersion(current)) {
                    // a write on this instance since the check has dropped this copy from the map, and a
                    // copy no longer mapped is never served again, so marking it confirmed cannot revive it
                    copy.confirmedAt = now;
                    return copy;
                }
                near.asMap().remove(key, copy);
            }
            String redisKey = redisKey(key);
            byte[] stored = redis.awaitRead(client.get().<byte[]>getBucket(redisKey, ByteArrayCodec.INSTANCE).getAsync());
            if (stored == null || Versioned.isTombstone(stored)) {
                return null;
            }
            // kept unconfirmed: a write on this instance may have dropped the key between the GET and here,
            // so this copy is trusted only once a later read has confirmed it
            Near fetched = new Near(redisKey, stored);
            near.put(key, fetched);
            return fetched;
        } catch (RedisConnector.ReadTimeout e) {
            // served from the database; Redis is not marked down, so this instance's writes keep reaching it
            stats.error();
            return null;
        } catch (RuntimeException e) {
            stats.error();
            redis.failed(e);
            return null;
        }
    }

    @Override
    public void putIfNewer(String key, long version, byte[] value) {
        write(key, Versioned.encode(version, value));
    }

    @Override
    public void markDeleted(String key) {
        write(key, Versioned.tombstone());
    }

    @Override
    public void invalidate(String key) {
        near.invalidate(key);
        owed.deliver(key, client -> client.getBucket(redisKey(key), ByteArrayCodec.INSTANCE).deleteAsync());
        near.invalidate(key); // see write
    }

    @Override
    public CacheStats stats() {
        return stats;
    }

    private void write(String key, byte[] stored) {
        near.invalidate(key);
        owed.deliver(key, client -> client.getScript(ByteArrayCodec.INSTANCE).evalAsync(RScript.Mode.READ_WRITE, PUT_IF_NEWER,
                RScript.ReturnType.INTEGER, List.of(redisKey(key)), stored, ttlMillis));
        // Reads on this instance while the change was on its way may have fetched the old value and had it
        // confirmed by a check that reached Redis first; with a trust window that copy would be served after
        // this write returned. The change is in Redis now (or owed, and then Redis is not read for the key).
        near.invalidate(key);
    }

    private String redisKey(String key) {
        return redis.key(name, key);
    }

    /**
     * A stored entry, split into its version prefix and value once when fetched, with when Redis last
     * said it was current, and the last decoding of its value (a hit hands that out again rather than
     * decoding the same bytes anew).
     */
    private static final class Near {
        final String redisKey;
        final byte[] version;
        final DecodedCopy value;
        volatile long confirmedAt = UNCONFIRMED;

        Near(String redisKey, byte[] stored) {
            this.redisKey = redisKey;
            this.version = Arrays.copyOf(stored, Versioned.PREFIX);
            this.value = new DecodedCopy(Versioned.value(stored));
        }

        boolean hasVersion(byte[] prefix) {
            return Arrays.equals(version, 0, Versioned.PREFIX, prefix, 0, Versioned.PREFIX);
        }
    }
}
