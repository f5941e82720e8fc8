package com.finehero.server.platform.security;

import java.time.Clock;

import com.finehero.server.platform.cache.RedisConnector;
import io.github.bucket4j.redis.redisson.Bucket4jRedisson;
import org.redisson.Redisson;

/** Reads a shared rate-limit bucket as Redis holds it, without taking anything from it. */
final class RedisBuckets {

    private RedisBuckets() {
    }

    static long available(RedisConnector redis, Clock clock, String bucket, long perMinute) {
        Redisson client = (Redisson) redis.available().orElseThrow(() -> new IllegalStateException("Redis is not connected"));
        return Bucket4jRedisson.casBasedBuilder(client.getCommandExecutor())
                .clientClock(RateLimiter.timeMeter(clock))
                .build()
                .builder()
                .build(redis.key("ratelimit", bucket + "/" + perMinute), () -> RateLimiter.perMinute(perMinute))
                .getAvailableTokens();
    }
}
