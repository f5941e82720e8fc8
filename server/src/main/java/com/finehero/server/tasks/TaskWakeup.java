package com.finehero.server.tasks;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.server.platform.cache.RedisConnector;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Wakes the claimer when work may be waiting: at once for tasks submitted or freed on this instance,
 * through Redis pub/sub for tasks submitted on another. A lost message costs at most one poll
 * interval: the claimer also looks every {@code finehero.tasks.poll}, so Redis only makes it faster.
 */
final class TaskWakeup implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaskWakeup.class.getName());

    private final RedisConnector redis;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signalled = lock.newCondition();
    private boolean pending;
    private volatile RTopic topic;
    private volatile int listenerId = -1;

    TaskWakeup(RedisConnector redis) {
        this.redis = redis;
    }

    /** Subscribes to the Redis topic if Redis is there and not yet subscribed; safe to call repeatedly. */
    void subscribe() {
        if (listenerId >= 0) {
            return;
        }
        redis.available().ifPresent(client -> {
            try {
                RTopic wake = topic(client);
                listenerId = wake.addListener(String.class, (channel, message) -> signal());
            } catch (RuntimeException e) {
                redis.failed(e);
            }
        });
    }

    private RTopic topic(RedissonClient client) {
        RTopic current = topic;
        if (current == null) {
            current = client.getTopic(redis.key("tasks", "wake"), StringCodec.INSTANCE);
            topic = current;
        }
        return current;
    }

    /** Wakes this instance and, through Redis, the others. Never blocks on Redis. */
    void announce() {
        signal();
        redis.available().ifPresent(client -> {
            try {
                topic(client).publishAsync("work").exceptionally(e -> {
                    redis.failed(e);
                    return 0L;
                });
            } catch (RuntimeException e) {
                redis.failed(e);
            }
        });
    }

    void signal() {
        lock.lock();
        try {
            pending = true;
            signalled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a signal (returns at once if one came since the last wait) or the timeout. */
    void await(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (!pending && nanos > 0) {
                nanos = signalled.awaitNanos(nanos);
            }
            pending = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        RTopic current = topic;
        if (current != null && listenerId >= 0) {
            try {
                current.removeListener(listenerId);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "could not unsubscribe from task wake-ups: " + e.getMessage());
            }
        }
    }
}
