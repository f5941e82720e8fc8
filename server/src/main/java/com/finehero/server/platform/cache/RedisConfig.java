package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Objects;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Redis settings ({@code finehero.redis.*}; env {@code FINEHERO_REDIS_ADDRESS}, ...).
 *
 * @param address      {@code redis://host:port}; empty means no Redis (in-process cache)
 * @param prefix       prefix of every key FineHero writes, so several deployments can share a Redis
 * @param timeout      how long a cache read waits for Redis before it is served from the database
 * @param writeTimeout how long a cache write or invalidation after a change may take (every command's
 *                     timeout): longer than a read's wait, because a change that does not reach Redis
 *                     leaves the copies other instances confirm against it stale
 * @param retryAfter   after a failure, how long Redis is left alone before it is tried again
 */
public record RedisConfig(String address, String password, int database, String prefix,
                          Duration timeout, Duration writeTimeout, Duration retryAfter) {

    public RedisConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(prefix, "prefix");
        if (!address.isEmpty() && !address.startsWith("redis://") && !address.startsWith("rediss://")) {
            throw new IllegalArgumentException("configuration finehero.redis.address = '" + address
                    + "' is invalid: expected redis://host:port or rediss://host:port (env var FINEHERO_REDIS_ADDRESS)");
        }
        if (!prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("configuration finehero.redis.prefix = '" + prefix
                    + "' is invalid: expected 1-64 letters, digits or _ . : - (env var FINEHERO_REDIS_PREFIX)");
        }
    }

    public static RedisConfig from(Config redis) {
        return new RedisConfig(
                ConfigValues.string(redis, "address"),
                ConfigValues.string(redis, "password"),
                ConfigValues.intInRange(redis, "database", 0, 15),
                ConfigValues.string(redis, "prefix"),
                ConfigValues.duration(redis, "timeout"),
                ConfigValues.duration(redis, "write-timeout"),
                ConfigValues.duration(redis, "retry"));
    }

    public boolean enabled() {
        return !address.isEmpty();
    }

    @Override
    public String toString() {
        return "RedisConfig[address=" + address + ", database=" + database + ", prefix=" + prefix + "]";
    }
}
