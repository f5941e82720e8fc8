package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Redis settings ({@code finehero.redis.*}; env {@code FINEHERO_REDIS_ADDRESS}, ...).
 *
 * @param mode             how Redis is deployed: one server, a master watched by Redis Sentinel, or a Redis Cluster
 * @param address          single mode: {@code redis://host:port}; empty means no Redis (in-process cache)
 * @param nodes            sentinel mode: the sentinels' addresses; cluster mode: some of the cluster's nodes
 *                         (the rest are discovered); empty in single mode
 * @param masterName       sentinel mode: the name the sentinels monitor the master under
 * @param sentinelPassword sentinel mode: the sentinels' own password, when they have one
 * @param password         the password of the data nodes (every mode); empty when they have none
 * @param database         the database number (single and sentinel mode; a cluster has only 0)
 * @param prefix           prefix of every key FineHero writes, so several deployments can share a Redis
 * @param timeout          how long a cache read waits for Redis before it is served from the database
 * @param writeTimeout     how long a cache write or invalidation after a change may take (every command's
 *                         timeout): longer than a read's wait, because a change that does not reach Redis
 *                         leaves the copies other instances confirm against it stale
 * @param retryAfter       after a failure, how long Redis is left alone before it is tried again
 */
public record RedisConfig(Mode mode, String address, List<String> nodes, String masterName, String sentinelPassword,
                          String password, int database, String prefix,
                          Duration timeout, Duration writeTimeout, Duration retryAfter) {

    /** How Redis is deployed ({@code finehero.redis.mode}). */
    public enum Mode { SINGLE, SENTINEL, CLUSTER }

    public RedisConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(address, "address");
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(masterName, "masterName");
        Objects.requireNonNull(sentinelPassword, "sentinelPassword");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(prefix, "prefix");
        if (!address.isEmpty()) {
            requireRedisUri("finehero.redis.address", address);
        }
        String nodesKey = mode == Mode.CLUSTER ? "finehero.redis.cluster.addresses" : "finehero.redis.sentinel.addresses";
        nodes.forEach(node -> requireRedisUri(nodesKey, node));
        switch (mode) {
            case SINGLE -> {
                if (!nodes.isEmpty()) {
                    throw new IllegalArgumentException("configuration finehero.redis.mode = 'single' takes finehero.redis.address, "
                            + "not a list of nodes: set finehero.redis.mode to sentinel or cluster (env var FINEHERO_REDIS_MODE)");
                }
            }
            case SENTINEL -> {
                if (nodes.isEmpty()) {
                    throw new IllegalArgumentException("configuration finehero.redis.sentinel.addresses is missing: sentinel mode "
                            + "expects redis://host:port of each sentinel, comma-separated (env var FINEHERO_REDIS_SENTINEL_ADDRESSES)");
                }
                if (masterName.isBlank()) {
                    throw new IllegalArgumentException("configuration finehero.redis.sentinel.master is missing: sentinel mode "
                            + "expects the name the sentinels monitor the master under (env var FINEHERO_REDIS_SENTINEL_MASTER)");
                }
            }
            case CLUSTER -> {
                if (nodes.isEmpty()) {
                    throw new IllegalArgumentException("configuration finehero.redis.cluster.addresses is missing: cluster mode "
                            + "expects redis://host:port of one or more cluster nodes, comma-separated (env var FINEHERO_REDIS_CLUSTER_ADDRESSES)");
                }
                if (database != 0) {
                    throw new IllegalArgumentException("configuration finehero.redis.database = '" + database
                            + "' is invalid: a Redis Cluster has only database 0 (env var FINEHERO_REDIS_DATABASE)");
                }
            }
        }
        if (mode != Mode.SINGLE && !address.isEmpty()) {
            throw new IllegalArgumentException("configuration finehero.redis.address is set but finehero.redis.mode is "
                    + mode.name().toLowerCase(Locale.ROOT) + ", which takes its nodes from finehero.redis."
                    + mode.name().toLowerCase(Locale.ROOT) + ".addresses: leave address empty (env var FINEHERO_REDIS_ADDRESS)");
        }
        if (!prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("configuration finehero.redis.prefix = '" + prefix
                    + "' is invalid: expected 1-64 letters, digits or _ . : - (env var FINEHERO_REDIS_PREFIX)");
        }
    }

    /** One Redis server at {@code address} (empty: no Redis). */
    public RedisConfig(String address, String password, int database, String prefix,
                       Duration timeout, Duration writeTimeout, Duration retryAfter) {
        this(Mode.SINGLE, address, List.of(), "", "", password, database, prefix, timeout, writeTimeout, retryAfter);
    }

    public static RedisConfig from(Config redis) {
        Mode mode = mode(redis);
        List<String> nodes = switch (mode) {
            case SINGLE -> List.of();
            case SENTINEL -> addresses(ConfigValues.string(redis, "sentinel.addresses"));
            case CLUSTER -> addresses(ConfigValues.string(redis, "cluster.addresses"));
        };
        return new RedisConfig(
                mode,
                ConfigValues.string(redis, "address"),
                nodes,
                ConfigValues.string(redis, "sentinel.master"),
                ConfigValues.string(redis, "sentinel.password"),
                ConfigValues.string(redis, "password"),
                ConfigValues.intInRange(redis, "database", 0, 15),
                ConfigValues.string(redis, "prefix"),
                ConfigValues.duration(redis, "timeout"),
                ConfigValues.duration(redis, "write-timeout"),
                ConfigValues.duration(redis, "retry"));
    }

    private static Mode mode(Config redis) {
        String raw = ConfigValues.string(redis, "mode");
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "single", "" -> Mode.SINGLE;
            case "sentinel" -> Mode.SENTINEL;
            case "cluster" -> Mode.CLUSTER;
            default -> throw new IllegalArgumentException("configuration finehero.redis.mode = '" + raw
                    + "' is invalid: expected single, sentinel or cluster (env var FINEHERO_REDIS_MODE)");
        };
    }

    /** A comma-separated list, as one environment variable carries it. */
    private static List<String> addresses(String raw) {
        return Arrays.stream(raw.split(",")).map(String::strip).filter(a -> !a.isEmpty()).toList();
    }

    private static void requireRedisUri(String key, String value) {
        if (!value.matches("rediss?://[^\\s,]+")) {
            throw new IllegalArgumentException("configuration " + key + " = '" + value
                    + "' is invalid: expected redis://host:port or rediss://host:port (env var "
                    + key.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "_dash_") + ")");
        }
    }

    public boolean enabled() {
        return mode == Mode.SINGLE ? !address.isEmpty() : !nodes.isEmpty();
    }

    /** Where Redis is, for logs and health details (never the passwords). */
    public String describe() {
        return switch (mode) {
            case SINGLE -> address;
            case SENTINEL -> "sentinel master " + masterName + " via " + String.join(",", nodes);
            case CLUSTER -> "cluster via " + String.join(",", nodes);
        };
    }

    @Override
    public String toString() {
        return "RedisConfig[mode=" + mode.name().toLowerCase(Locale.ROOT) + ", " + describe() + ", database=" + database
                + ", prefix=" + prefix + "]";
    }
}
