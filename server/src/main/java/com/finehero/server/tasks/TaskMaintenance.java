package com.finehero.server.tasks;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.finehero.api.tasks.v1.Task;
import com.finehero.server.platform.cache.RedisConnector;
import org.redisson.api.RBucket;
import org.redisson.client.codec.StringCodec;

/**
 * The engine's background upkeep. On every instance: heartbeats (renew this instance's leases and
 * notice cancellations of its running tasks). On one instance at a time (a Redis lock when Redis is
 * there; without Redis every instance does it, which is safe because each rescue locks its rows with
 * SKIP LOCKED): rescue of tasks whose lease expired, and the move of finished tasks to the history.
 */
final class TaskMaintenance implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaskMaintenance.class.getName());
    private static final int RESCUE_BATCH = 500;
    /**
     * How long a SUCCEEDED or CANCELLED task stays in the queue table before it moves to the history:
     * longer than the minute GetQueueStats counts finished tasks over, which it reads from the queue
     * table alone.
     */
    static final Duration ARCHIVE_AFTER = Duration.ofMinutes(5);
    /** Tasks moved to the history in one transaction. */
    private static final int ARCHIVE_BATCH = 1000;
    /**
     * The longest one round keeps moving tasks. Heartbeats run on the same thread: a backlog (the first
     * round after an upgrade finds a week of finished tasks) is moved over many rounds instead of holding
     * back this instance's lease renewals (and the maintenance lock) until it is gone.
     */
    private static final Duration ARCHIVE_BUDGET = Duration.ofSeconds(2);

    private final TaskStore store;
    private final TaskRules rules;
    private final TaskWorkerPool pool;
    private final TaskWakeup wakeup;
    private final RedisConnector redis;
    private final TasksConfig config;
    private final String owner;
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("finehero-task-maintenance").factory());

    TaskMaintenance(TaskStore store, TaskRules rules, TaskWorkerPool pool, TaskWakeup wakeup,
                    RedisConnector redis, TasksConfig config, String owner) {
        this.store = store;
        this.rules = rules;
        this.pool = pool;
        this.wakeup = wakeup;
        this.redis = redis;
        this.config = config;
        this.owner = owner;
    }

    void start() {
        scheduler.scheduleWithFixedDelay(() -> guarded("heartbeat", this::heartbeat),
                config.heartbeat().toMillis(), config.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> guarded("maintenance", () -> {
                    if (leader()) {
                        runOnce();
                    }
                }), config.maintenance().toMillis(), config.maintenance().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Renews this instance's leases and passes on cancellations of its running tasks. */
    public void heartbeat() {
        wakeup.subscribe();
        if (pool != null) {
            store.heartbeat(owner, rules.now().plus(config.lease()));
            Map<String, Long> cancelled = store.cancelRequested(owner);
            if (!cancelled.isEmpty()) {
                pool.cancel(cancelled);
            }
        }
    }

    /**
     * One round: heartbeat first (so this instance never rescues its own live tasks after a clock
     * jump), then rescue expired leases, then move finished tasks to the history. Returns how many
     * tasks were rescued. Tests call it after moving the clock.
     */
    public int runOnce() {
        heartbeat();
        Instant now = rules.now();
        int rescued = 0;
        List<Task> batch;
        do {
            batch = store.rescue(now, RESCUE_BATCH);
            rescued += batch.size();
        } while (batch.size() == RESCUE_BATCH);
        if (rescued > 0) {
            LOG.log(Level.INFO, "rescued " + rescued + " task(s) whose worker lost its lease");
            wakeup.announce();
        }
        int archived = 0;
        int moved;
        long deadline = System.nanoTime() + ARCHIVE_BUDGET.toNanos();
        do {
            moved = store.archive(now.minus(ARCHIVE_AFTER), ARCHIVE_BATCH);
            archived += moved;
        } while (moved == ARCHIVE_BATCH && System.nanoTime() < deadline);
        int total = archived;
        LOG.log(Level.DEBUG, () -> "moved " + total + " finished task(s) to the history");
        return rescued;
    }

    /** Whether this instance does the shared upkeep this round. */
    private boolean leader() {
        return redis.available().map(client -> {
            try {
                RBucket<String> lock = client.getBucket(redis.key("tasks", "maintenance"), StringCodec.INSTANCE);
                if (lock.setIfAbsent(owner, config.maintenance().multipliedBy(2))) {
                    return true;
                }
                return owner.equals(lock.get());
            } catch (RuntimeException e) {
                redis.failed(e);
                return true;
            }
        }).orElse(true);
    }

    private void guarded(String what, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "task " + what + " failed; it runs again at the next interval", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
