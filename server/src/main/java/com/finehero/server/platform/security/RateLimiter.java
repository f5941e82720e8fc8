package com.finehero.server.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import com.finehero.server.platform.cache.LocalCaches;
import com.github.benmanes.caffeine.cache.Cache;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * Token buckets by name: {@code perMinute} tokens, refilled continuously. The in-process form is one
 * instance's view; {@link RedisRateLimiter} shares the buckets across instances.
 */
public interface RateLimiter {

    /** The answer for one call; {@code retryAfter} is how long until a token is back when refused. */
    record Decision(boolean allowed, Duration retryAfter) {
        public static final Decision ALLOWED = new Decision(true, Duration.ZERO);

        static Decision of(ConsumptionProbe probe) {
            return probe.isConsumed() ? ALLOWED
                    : new Decision(false, Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), TimeUnit.MILLISECONDS.toNanos(1))));
        }
    }

    Decision tryTake(String bucket, long perMinute);

    /** A bucket as the limiters keep it: its name and its size, a bucket per pair. */
    record BucketKey(String bucket, long perMinute) {
        /** The bucket's name outside this process, e.g. in Redis. */
        String name() {
            return bucket + "/" + perMinute;
        }
    }

    static BucketConfiguration perMinute(long tokens) {
        return BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(tokens).refillGreedy(tokens, Duration.ofMinutes(1)))
                .build();
    }

    /** Bucket4j reads time through this, so tests that move the application clock move the buckets. */
    static TimeMeter timeMeter(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /** Buckets in this process only: the embedded mode's limiter, and the fallback while Redis is away. */
    final class Local implements RateLimiter {
        private final Clock clock;
        private final Cache<BucketKey, Bucket> buckets = LocalCaches.builder()
                .expireAfterAccess(Duration.ofMinutes(2))
                .maximumSize(100_000)
                .build();

        public Local(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
        }

        @Override
        public Decision tryTake(String bucket, long perMinute) {
            BucketKey key = new BucketKey(bucket, perMinute);
            Bucket tokens = buckets.getIfPresent(key); // a hit makes no lambda
            if (tokens == null) {
                tokens = buckets.get(key, k -> Bucket.builder()
                        .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                        .withCustomTimePrecision(timeMeter(clock))
                        .build());
            }
            return Decision.of(tokens.tryConsumeAndReturnRemaining(1));
        }
    }
}
