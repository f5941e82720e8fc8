package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.redisson.client.codec.ByteArrayCodec;

/**
 * The least a server answering from a near copy can do to keep read-your-writes across instances: before
 * each answer, ask Redis, in a command sent after the read arrived, whether the copy is still current. It
 * is FineHero's own check ({@link VersionChecks}: many reads in one round trip, never joining a command
 * already sent) and nothing else of the cache: no copies, loading, single flight, metrics or read
 * deadline. A peer that answers from memory runs it to show what the guarantee costs on its transport.
 */
public final class ReadConfirmationFloor implements AutoCloseable {

    /** What a peer answers (UNAVAILABLE, 503) when {@link #confirm} fails. */
    public static final String REFUSAL = "the copy could not be confirmed";

    /** A copy's version as FineHero's caches store it: the first 20 bytes of the Redis value. */
    private static final byte[] VERSION = "00000000000000000001".getBytes(StandardCharsets.US_ASCII);

    private final RedisConnector redis;
    private final VersionChecks checks;
    private final String key;

    private ReadConfirmationFloor(RedisConnector redis, String key) {
        this.redis = redis;
        this.checks = new VersionChecks(redis);
        this.key = key;
    }

    /**
     * Connects to Redis at {@code address} and stores the copy's version under {@code prefix}:floor:fine;
     * fails when Redis cannot be reached.
     */
    public static ReadConfirmationFloor connect(String address, String prefix) {
        Objects.requireNonNull(address, "address");
        RedisConfig config = new RedisConfig(address, "", 0, prefix, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1));
        RedisConnector redis = new RedisConnector(config, Clock.systemUTC());
        if (!redis.connectNow()) {
            redis.close();
            throw new IllegalStateException("cannot reach Redis at " + address + ": " + redis.lastError());
        }
        String key = versionKey(prefix);
        redis.available().orElseThrow().getBucket(key, ByteArrayCodec.INSTANCE).set(VERSION);
        return new ReadConfirmationFloor(redis, key);
    }

    /** Where the copy's version is kept, for a test that plays another instance's write. */
    public static String versionKey(String prefix) {
        return prefix + ":floor:fine";
    }

    /**
     * Completes once Redis says the copy is current; exceptionally when Redis did not answer or holds
     * another version (another instance changed the record, so the copy may not be served).
     */
    public CompletableFuture<Void> confirm() {
        return checks.versionOf(key).thenApply(version -> {
            if (!Arrays.equals(version, VERSION)) {
                throw new IllegalStateException("the copy is stale: Redis holds another version of it");
            }
            return null;
        });
    }

    /** Removes the copy's version from Redis and disconnects. */
    @Override
    public void close() {
        try {
            redis.available().ifPresent(client -> client.getBucket(key, ByteArrayCodec.INSTANCE).delete());
        } catch (RuntimeException e) {
            // Redis gone at shutdown: the key is left behind, which harms nothing
        } finally {
            redis.close();
        }
    }
}
