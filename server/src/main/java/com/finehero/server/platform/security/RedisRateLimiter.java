package com.finehero.server.platform.security;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.cache.RedisConnector;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/**
 * Buckets kept in Redis, so every instance draws from the same ones. Each instance takes tokens
 * locally and settles with Redis every few tokens or {@code syncEvery} (Bucket4j's delaying
 * optimisation): one Redis round trip per call would cost more than the call. A limit can therefore be
 * overshot by a few tokens per instance. While Redis is unreachable, the in-process buckets decide.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final System.Logger LOG = System.getLogger(RedisRateLimiter.class.getName());

    private final RedisConnector redis;
    private final RateLimiter fallback;
    private final Clock clock;
    private final Duration syncEvery;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(2))
            .maximumSize(100_000)
            .build();
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
            Bucket tokens = buckets.get(bucket + "/" + perMinute, name -> proxies(client.get()).builder()
                    .withOptimization(Optimizations.delaying(new DelayParameters(unsynchronized(perMinute), syncEvery)))
                    .build(redis.key("ratelimit", name), () -> RateLimiter.perMinute(perMinute)));
            return Decision.of(tokens.tryConsumeAndReturnRemaining(1));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rate limit in Redis failed; deciding in-process for now: " + e);
            redis.failed(e);
            buckets.invalidateAll();
            return fallback.tryTake(bucket, perMinute);
        }
    }

    /** Tokens an instance may take before settling with Redis: about 2% of the limit, 1 to 20. */
    static long unsynchronized(long perMinute) {
        return Math.max(1, Math.min(20, perMinute / 50));
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
}
