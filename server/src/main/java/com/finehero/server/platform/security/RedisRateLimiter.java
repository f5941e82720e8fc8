package com.finehero.server.platform.security;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.finehero.server.platform.cache.LocalCaches;
import com.finehero.server.platform.cache.RedisConnector;
import com.github.benmanes.caffeine.cache.Cache;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.NopeOptimizationListener;
import io.github.bucket4j.distributed.proxy.optimization.manual.ManuallySyncingOptimization;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/**
 * Buckets kept in Redis, so every instance draws from the same ones. A call takes its token from this
 * instance's copy of the bucket and never waits for Redis: the copy settles with Redis on a background
 * thread once 2% of the limit has been taken here (at least every token) or {@code syncEvery} has
 * passed. Waiting for Redis on the call itself cost a third of GetFine's throughput and most of its
 * latency tail. The price is a bounded overshoot: before its copy learns of the other instances' calls,
 * an instance may allow up to 2% of the limit plus what arrives during one settling round trip. A
 * bucket's first call reads it from Redis; while Redis is unreachable the in-process buckets decide.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisRateLimiter.class.getName());
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    private final RedisConnector redis;
    private final RateLimiter fallback;
    private final Clock clock;
    private final Duration syncEvery;
    private final Cache<RateLimiter.BucketKey, SharedBucket> buckets = LocalCaches.builder()
            .expireAfterAccess(Duration.ofMinutes(2))
            .maximumSize(100_000)
            .build();
    private final ExecutorService settlers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("rate-limit-settle-", 0).factory());
    private volatile ProxyManager<String> proxies;
    private volatile RedissonClient proxiesClient;

    public RedisRateLimiter(RedisConnector redis, Clock clock, Duration syncEvery) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.syncEvery = Objects.requireNonNull(syncEvery, "syncEvery");
        this.fallback = new RateLimiter.Local(clock);
    }

    @Override
    public Decision tryTake(String bucket, long perMinute) {
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty()) {
            return fallback.tryTake(bucket, perMinute);
        }
        try {
            BucketKey key = new BucketKey(bucket, perMinute);
            SharedBucket shared = buckets.getIfPresent(key); // a hit makes no lambda
            if (shared == null) {
                shared = buckets.get(key, k -> new SharedBucket(proxies(client.get()).builder()
                        .withOptimization(new ManuallySyncingOptimization(NopeOptimizationListener.INSTANCE, RateLimiter.timeMeter(clock)))
                        .build(redis.key("ratelimit", k.name()), () -> RateLimiter.perMinute(perMinute)), unsynchronized(perMinute), clock.millis()));
            }
            ConsumptionProbe probe = shared.bucket.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed() && shared.taken(clock.millis(), syncEvery.toMillis())) {
                settleLater(shared);
            }
            return Decision.of(probe);
        } catch (RuntimeException e) {
            failed(e);
            return fallback.tryTake(bucket, perMinute);
        }
    }

    /**
     * Tokens an instance may take before settling with Redis: 2% of the limit, at least one. Proportional,
     * so a high limit does not cost a Redis round trip every few calls; syncEvery bounds the rest.
     */
    static long unsynchronized(long perMinute) {
        return Math.max(1, perMinute / 50);
    }

    private void settleLater(SharedBucket shared) {
        try {
            settlers.execute(() -> settle(shared));
        } catch (RejectedExecutionException closed) {
            shared.settling.set(false); // a call that outlived shutdown's drain: close() settled what it could
        }
    }

    /** Hands this instance's takings to Redis and picks up everyone else's, until none are left over. */
    private void settle(SharedBucket shared) {
        do {
            shared.unsettled.set(0);
            try {
                shared.bucket.getOptimizationController().syncImmediately();
                shared.settledAt = clock.millis();
            } catch (RuntimeException e) {
                failed(e);
                shared.settling.set(false);
                return;
            }
            shared.settling.set(false);
        } while (shared.unsettled.get() >= shared.settleAfter && shared.settling.compareAndSet(false, true));
    }

    private void failed(RuntimeException e) {
        LOG.log(Level.WARNING, "rate limit in Redis failed; deciding in-process for now: " + e);
        redis.failed(e);
        buckets.invalidateAll();
    }

    /** Settles what this instance took, so a restart does not hand its callers a fresh allowance. */
    @Override
    public void close() throws InterruptedException {
        if (redis.available().isPresent()) {
            for (SharedBucket shared : buckets.asMap().values()) {
                if (shared.unsettled.get() > 0 && shared.settling.compareAndSet(false, true)) {
                    settleLater(shared);
                }
            }
        }
        settlers.shutdown();
        if (!settlers.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.log(Level.WARNING, "rate-limit counts not settled with Redis within " + CLOSE_GRACE);
        }
    }

    private ProxyManager<String> proxies(RedissonClient client) {
        ProxyManager<String> current = proxies;
        if (current == null || proxiesClient != client) {
            synchronized (this) {
                if (proxies == null || proxiesClient != client) {
                    proxies = Bucket4jRedisson.casBasedBuilder(((Redisson) client).getCommandExecutor())
                            .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofMinutes(1)))
                            .clientClock(RateLimiter.timeMeter(clock))
                            .requestTimeout(redis.config().timeout())
                            .build();
                    proxiesClient = client;
                    buckets.invalidateAll();
                }
                current = proxies;
            }
        }
        return current;
    }

    /** This instance's copy of one shared bucket and what it has taken since it last settled. */
    private static final class SharedBucket {
        final BucketProxy bucket;
        final long settleAfter;
        final AtomicLong unsettled = new AtomicLong();
        final AtomicBoolean settling = new AtomicBoolean();
        volatile long settledAt;

        SharedBucket(BucketProxy bucket, long settleAfter, long createdAt) {
            this.bucket = bucket;
            this.settleAfter = settleAfter;
            this.settledAt = createdAt;
        }

        /** Counts one token taken; true when this caller should start settling. */
        boolean taken(long nowMillis, long settleEveryMillis) {
            long pending = unsettled.incrementAndGet();
            return (pending >= settleAfter || nowMillis - settledAt >= settleEveryMillis) && settling.compareAndSet(false, true);
        }
    }
}
