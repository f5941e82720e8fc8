package com.finehero.server.platform.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

import org.redisson.Redisson;
import org.redisson.api.BatchOptions;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.protocol.RedisCommand;
import org.redisson.command.CommandAsyncExecutor;
import org.redisson.command.CommandBatchService;

/**
 * Asks Redis for the versions of near copies, many reads in one round trip. A read may only be served
 * from its near copy once Redis, in a command sent after the read arrived, says the copy is current:
 * that is what makes a write on another instance visible to the next read. So a check never joins a
 * command already sent. While one round trip is out, the checks that arrive wait together for the next,
 * which asks once for each distinct key among them; when none is out, a check is sent at once. A hot
 * key read by many calls costs Redis one command per round trip instead of one per read, and an idle
 * server answers in one round trip as before.
 *
 * <p>A check is a plain {@code GETRANGE} of the version prefix, not a script: Redis runs it in a tenth
 * of a script's time, and Redis shares the machine's cores with the servers. Several keys go out as one
 * pipeline, which Redisson splits by cluster node, so no command ever touches keys of different hash
 * slots. Redisson's public objects have no {@code GETRANGE}, so the command goes through its command
 * executor, as the rate limiter's buckets do.
 */
final class VersionChecks {

    /** Reads only the version prefix, so a near copy can be confirmed without moving the value. */
    private static final RedisCommand<byte[]> GETRANGE = new RedisCommand<>("GETRANGE");
    private static final int LAST_PREFIX_BYTE = Versioned.PREFIX - 1;

    private final RedisConnector redis;
    private final ReentrantLock lock = new ReentrantLock();
    /** Checks waiting for the next round trip, one reply per Redis key. Guarded by {@link #lock}. */
    private Map<String, CompletableFuture<byte[]>> waiting = new HashMap<>();
    /** When the round trip that is out was sent ({@link System#nanoTime}), or 0. Guarded by {@link #lock}. */
    private long outSince;
    /**
     * After this long a round trip no longer holds the next back. Redisson ends every command by its
     * timeout, so this only matters if a reply is lost to a bug: reads must never wait on it forever.
     */
    private final long givenUpAfterNanos;

    VersionChecks(RedisConnector redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.givenUpAfterNanos = 2 * redis.config().writeTimeout().toNanos() + 1;
    }

    /**
     * The stored version prefix of {@code redisKey}, as Redis holds it after this call began: null when
     * there is no entry. Completes with {@link RedisConnector.ReadTimeout} when Redis went away.
     */
    CompletableFuture<byte[]> versionOf(String redisKey) {
        CompletableFuture<byte[]> reply;
        Map<String, CompletableFuture<byte[]>> toSend = null;
        lock.lock();
        try {
            reply = waiting.computeIfAbsent(redisKey, key -> new CompletableFuture<>());
            long now = System.nanoTime();
            if (outSince == 0 || now - outSince > givenUpAfterNanos) {
                outSince = now;
                toSend = takeWaiting();
            }
        } finally {
            lock.unlock();
        }
        if (toSend != null) {
            send(toSend);
        }
        return reply;
    }

    private Map<String, CompletableFuture<byte[]>> takeWaiting() {
        Map<String, CompletableFuture<byte[]>> taken = waiting;
        waiting = new HashMap<>();
        return taken;
    }

    private void send(Map<String, CompletableFuture<byte[]>> checks) {
        Optional<RedissonClient> client = redis.available();
        CompletionStage<List<byte[]>> replies;
        List<String> keys = new ArrayList<>(checks.keySet());
        try {
            replies = client.isEmpty()
                    ? CompletableFuture.failedFuture(new RedisConnector.ReadTimeout())
                    : ask(client.get(), keys);
        } catch (RuntimeException e) {
            replies = CompletableFuture.failedFuture(e);
        }
        replies.whenComplete((versions, error) -> {
            for (int i = 0; i < keys.size(); i++) {
                CompletableFuture<byte[]> reply = checks.get(keys.get(i));
                if (error != null) {
                    reply.completeExceptionally(error);
                } else {
                    reply.complete(versions.get(i));
                }
            }
            Map<String, CompletableFuture<byte[]>> next = null;
            lock.lock();
            try {
                if (waiting.isEmpty()) {
                    outSince = 0;
                } else {
                    outSince = System.nanoTime();
                    next = takeWaiting();
                }
            } finally {
                lock.unlock();
            }
            if (next != null) {
                send(next);
            }
        });
    }

    private static CompletionStage<List<byte[]>> ask(RedissonClient client, List<String> keys) {
        CommandAsyncExecutor commands = ((Redisson) client).getCommandExecutor();
        if (keys.size() == 1) {
            return versionOf(commands, keys.getFirst()).thenApply(Collections::singletonList);
        }
        CommandBatchService batch = new CommandBatchService(commands, BatchOptions.defaults());
        for (String key : keys) {
            versionOf(batch, key);
        }
        return batch.executeAsync().thenApply(result -> {
            List<byte[]> versions = new ArrayList<>(keys.size());
            for (Object version : result.getResponses()) {
                versions.add((byte[]) version);
            }
            return versions;
        });
    }

    private static RFuture<byte[]> versionOf(CommandAsyncExecutor commands, String key) {
        return commands.readAsync(key, ByteArrayCodec.INSTANCE, GETRANGE, key, 0, LAST_PREFIX_BYTE);
    }
}
