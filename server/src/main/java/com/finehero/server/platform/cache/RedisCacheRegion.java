package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
        Optional<byte[]> value = lookup(key);
        if (value.isPresent()) {
            stats.hit();
        } else {
            stats.miss();
        }
        return value;
    }

    @Override
    public Optional<byte[]> peek(String key) {
        return lookup(key);
    }

    private Optional<byte[]> lookup(String key) {
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty() || owed.owes(key)) {
            return Optional.empty();
        }
        try {
            Near copy = near.getIfPresent(key);
            if (copy != null) {
                long now = clock.millis();
                if (copy.confirmedAt() != UNCONFIRMED && now - copy.confirmedAt() < trustedForMillis) {
                    return Optional.of(Versioned.value(copy.stored()));
                }
                byte[] current = redis.awaitRead(versionChecks.versionOf(redisKey(key)));
                if (current != null && current.length == Versioned.PREFIX
                        && Versioned.version(copy.stored()).equals(Versioned.version(current))) {
                    // only this copy: a write on this instance since the check has dropped it, and must stay dropped
                    near.asMap().replace(key, copy, new Near(copy.stored(), now));
                    return Optional.of(Versioned.value(copy.stored()));
                }
                near.asMap().remove(key, copy);
            }
            byte[] stored = redis.awaitRead(client.get().<byte[]>getBucket(redisKey(key), ByteArrayCodec.INSTANCE).getAsync());
            if (stored == null || Versioned.isTombstone(stored)) {
                return Optional.empty();
            }
            // kept unconfirmed: a write on this instance may have dropped the key between the GET and here,
            // so this copy is trusted only once a later read has confirmed it
            near.put(key, new Near(stored, UNCONFIRMED));
            return Optional.of(Versioned.value(stored));
        } catch (RedisConnector.ReadTimeout e) {
            // served from the database; Redis is not marked down, so this instance's writes keep reaching it
            stats.error();
            return Optional.empty();
        } catch (RuntimeException e) {
            stats.error();
            redis.failed(e);
            return Optional.empty();
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
    }

    @Override
    public CacheStats stats() {
        return stats;
    }

    private void write(String key, byte[] stored) {
        near.invalidate(key);
        owed.deliver(key, client -> client.getScript(ByteArrayCodec.INSTANCE).evalAsync(RScript.Mode.READ_WRITE, PUT_IF_NEWER,
                RScript.ReturnType.INTEGER, List.of(redisKey(key)), stored, ttlMillis));
    }

    private String redisKey(String key) {
        return redis.key(name, key);
    }

    /** A stored entry (version prefix and value) and when Redis last said it was current. */
    private record Near(byte[] stored, long confirmedAt) {
    }
}
