package com.finehero.server.monitoring;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.server.platform.cache.RedisConnector;
import com.google.protobuf.InvalidProtocolBufferException;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Alert changes as they are recorded, for WatchAlerts. Changes recorded here go to this instance's
 * watchers at once and, with Redis, through a Redis topic to the watchers of every other instance
 * (whichever instance evaluates, every watcher hears). A Redis topic drops messages while an instance
 * is disconnected; a watcher that must not miss a change re-reads ListAlerts after reconnecting.
 */
final class AlertFeed implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AlertFeed.class.getName());

    /** One watcher: its changes, and what to do when the feed closes (server shutting down). */
    record Watcher(Consumer<Alert> changes, Runnable closed) { }

    private final RedisConnector redis;
    private final UUID origin = UUID.randomUUID();
    private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean listening = new AtomicBoolean();
    private volatile RTopic topic;
    private volatile boolean closed;

    AlertFeed(RedisConnector redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
    }

    /** Registers a watcher; close the returned handle when the watch ends. */
    AutoCloseable subscribe(Watcher watcher) {
        Objects.requireNonNull(watcher, "watcher");
        listen();
        watchers.add(watcher);
        if (closed) {
            watchers.remove(watcher);
            watcher.closed().run();
        }
        return () -> watchers.remove(watcher);
    }

    /** A change recorded by this instance. */
    void publish(Alert change) {
        deliver(change);
        listen();
        RTopic current = topic;
        if (current != null && redis.available().isPresent()) {
            byte[] alert = change.toByteArray();
            ByteBuffer message = ByteBuffer.allocate(16 + alert.length)
                    .putLong(origin.getMostSignificantBits()).putLong(origin.getLeastSignificantBits()).put(alert);
            try {
                current.publish(message.array());
            } catch (RuntimeException e) {
                redis.failed(e);
            }
        }
    }

    private void deliver(Alert change) {
        for (Watcher watcher : watchers) {
            try {
                watcher.changes().accept(change);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "alert watcher failed: " + e);
            }
        }
    }

    /** Listens to the other instances once Redis is there (called again on every use until it is). */
    private void listen() {
        if (closed || listening.get() || !redis.config().enabled()) {
            return;
        }
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty() || !listening.compareAndSet(false, true)) {
            return;
        }
        try {
            RTopic shared = client.get().getTopic(redis.key("alerts", "changes"), ByteArrayCodec.INSTANCE);
            shared.addListener(byte[].class, (channel, message) -> received(message));
            topic = shared;
        } catch (RuntimeException e) {
            listening.set(false);
            redis.failed(e);
        }
    }

    private void received(byte[] message) {
        ByteBuffer buffer = ByteBuffer.wrap(message);
        if (message.length < 16 || new UUID(buffer.getLong(), buffer.getLong()).equals(origin)) {
            return; // our own change: already delivered
        }
        try {
            deliver(Alert.parseFrom(ByteBuffer.wrap(message, 16, message.length - 16)));
        } catch (InvalidProtocolBufferException e) {
            LOG.log(Level.WARNING, "unreadable alert change on the redis topic: " + e.getMessage());
        }
    }

    /** Ends every watch (the server is stopping). */
    @Override
    public void close() {
        closed = true;
        RTopic current = topic;
        if (current != null) {
            try {
                current.removeAllListeners();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "removing alert topic listeners: " + e);
            }
        }
        for (Watcher watcher : watchers) {
            watchers.remove(watcher);
            watcher.closed().run();
        }
    }
}
