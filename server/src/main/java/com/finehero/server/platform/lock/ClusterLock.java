package com.finehero.server.platform.lock;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;

import com.finehero.server.platform.cache.RedisConnector;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * A lock that at most one holder has at a time: across every instance sharing Redis (a Redisson
 * lock with a lease, so a crashed holder frees it), or within this process when Redis is not
 * configured. Never waits: {@link #tryAcquire()} answers at once. Release on the thread that acquired.
 *
 * <p>When Redis is configured but unreachable, the lock degrades to this process only; callers whose
 * work must never be done twice keep a guard of their own in the database (the alert evaluator does).
 */
public interface ClusterLock {

    /** The lock, held until closed. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Takes the lock if nobody holds it; empty if somebody does. */
    Optional<Held> tryAcquire();

    /** A lock named {@code name}: in Redis (key {@code <prefix>:lock:<name>}) when configured, else in-process. */
    static ClusterLock create(RedisConnector redis, String name, Duration lease) {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(lease, "lease");
        ClusterLock local = local();
        if (!redis.config().enabled()) {
            return local;
        }
        return new ClusterLock() {
            private final System.Logger log = System.getLogger(ClusterLock.class.getName());

            @Override
            public Optional<Held> tryAcquire() {
                Optional<RedissonClient> client = redis.available();
                if (client.isEmpty()) {
                    return local.tryAcquire();
                }
                RLock lock = client.get().getLock(redis.key("lock", name));
                boolean acquired;
                try {
                    acquired = lock.tryLock(0, lease.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                } catch (RuntimeException e) {
                    redis.failed(e);
                    log.log(Level.WARNING, "lock " + name + ": redis unavailable, holding it in this process only");
                    return local.tryAcquire();
                }
                if (!acquired) {
                    return Optional.empty();
                }
                return Optional.of(() -> {
                    try {
                        lock.unlock();
                    } catch (RuntimeException e) {
                        // the lease ran out (the holder was stalled) or Redis went away: the lock frees itself
                        log.log(Level.WARNING, "lock " + name + " could not be released: " + e.getMessage());
                    }
                });
            }
        };
    }

    /** A lock for this process only. */
    static ClusterLock local() {
        Semaphore permit = new Semaphore(1);
        return () -> permit.tryAcquire() ? Optional.of(permit::release) : Optional.empty();
    }
}
