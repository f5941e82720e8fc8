package com.finehero.server.platform.cache;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;

/**
 * Delivers the cache changes that follow committed writes to Redis, and keeps those it could not
 * deliver until they are. Other instances confirm their copies against Redis, so a change that never
 * reaches it leaves them serving the version before it: such a change is owed, and paid in the
 * background as soon as Redis answers — not when this instance next reads, and not after its quiet
 * period. A change is tried even in that quiet period (waiting only as long as a read would), because
 * the failure that started it may have been one slow command while Redis still answers the others.
 * While a key is owed this instance reads it from the database. More than {@code maxOwed} keys owed
 * turn into one owed flush of the whole region.
 */
final class OwedChanges {

    private static final System.Logger LOG = System.getLogger(OwedChanges.class.getName());
    private static final long PAY_EVERY_MILLIS = 100;

    private final String region;
    private final RedisConnector redis;
    private final CacheStats stats;
    private final int maxOwed;
    private final Function<RedissonClient, RFuture<?>> flush;
    /** Per key, the newest change owed; a later change for the key replaces an earlier one. */
    private final Map<String, Function<RedissonClient, RFuture<?>>> owed = new ConcurrentHashMap<>();
    private volatile boolean flushOwed;
    private final AtomicBoolean paying = new AtomicBoolean();

    OwedChanges(String region, RedisConnector redis, CacheStats stats, int maxOwed, Function<RedissonClient, RFuture<?>> flush) {
        this.region = Objects.requireNonNull(region, "region");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.maxOwed = maxOwed;
        this.flush = Objects.requireNonNull(flush, "flush");
    }

    /** Delivers {@code change} for {@code key} now, or owes it. Returns whether Redis confirmed it. */
    boolean deliver(String key, Function<RedissonClient, RFuture<?>> change) {
        Optional<RedissonClient> client = redis.connected();
        if (client.isEmpty()) {
            owe(key, change);
            return false;
        }
        boolean quiet = redis.isInQuietPeriod();
        try {
            redis.awaitWrite(change.apply(client.get()), quiet);
            // an earlier owed change for this key stays owed: it may be the newer version (writes of one
            // key can deliver out of order), and paying it is harmless either way
            return true;
        } catch (RuntimeException e) {
            stats.error();
            if (!quiet) {
                redis.failed(e);
            }
            owe(key, change);
            return false;
        }
    }

    /** Whether reads must skip Redis for {@code key}: a change to it (or a flush) has not reached Redis. */
    boolean owes(String key) {
        return flushOwed || owed.containsKey(key);
    }

    boolean owesAnything() {
        return flushOwed || !owed.isEmpty();
    }

    private void owe(String key, Function<RedissonClient, RFuture<?>> change) {
        if (owed.size() >= maxOwed && !owed.containsKey(key)) {
            flushOwed = true;
            owed.clear(); // the flush pays for all of them
        } else if (!flushOwed) {
            owed.put(key, change);
        }
        startPaying();
    }

    private void startPaying() {
        if (paying.compareAndSet(false, true)) {
            Thread.ofVirtual().name("finehero-cache-owed-" + region).start(this::payUntilSettled);
        }
    }

    private void payUntilSettled() {
        try {
            long since = System.nanoTime();
            while (owesAnything() && !redis.isClosed()) {
                if (!payOnce()) {
                    Thread.sleep(PAY_EVERY_MILLIS);
                }
            }
            if (System.nanoTime() - since > 1_000_000_000L) {
                LOG.log(Level.INFO, "cache " + region + ": changes that had not reached Redis have now reached it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            paying.set(false);
            if (owesAnything() && !redis.isClosed()) {
                startPaying(); // owed after the loop's last look
            }
        }
    }

    /** Tries every owed change once; returns whether everything owed was paid. */
    private boolean payOnce() {
        Optional<RedissonClient> client = redis.connected();
        if (client.isEmpty()) {
            return false;
        }
        try {
            if (flushOwed) {
                flushOwed = false; // cleared first: a key owed while the flush runs stays owed
                try {
                    redis.awaitWrite(flush.apply(client.get()), false);
                } catch (RuntimeException e) {
                    flushOwed = true;
                    throw e;
                }
            }
            for (var entry : Map.copyOf(owed).entrySet()) {
                redis.awaitWrite(entry.getValue().apply(client.get()), false);
                owed.remove(entry.getKey(), entry.getValue());
            }
            return !owesAnything();
        } catch (RuntimeException e) {
            stats.error();
            return false;
        }
    }
}
