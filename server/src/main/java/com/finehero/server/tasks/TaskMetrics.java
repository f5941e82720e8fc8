package com.finehero.server.tasks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import com.finehero.api.tasks.v1.QueueDepth;
import com.finehero.api.tasks.v1.QueueStats;
import com.finehero.api.tasks.v1.TaskState;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;

/**
 * The task queue as Prometheus gauges ({@code finehero_tasks_pending}, {@code _running}, {@code _dead},
 * {@code _oldest_pending_seconds}, {@code _succeeded_per_second}, {@code _failed_per_second}). One
 * scrape reads several gauges, so the queue is read from the database at most every five seconds.
 */
final class TaskMetrics {

    private static final Duration FRESH = Duration.ofSeconds(5);

    private final Supplier<QueueStats> source;
    private final Clock clock;
    private volatile QueueStats last;
    private volatile Instant readAt = Instant.MIN;

    private TaskMetrics(Supplier<QueueStats> source, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static void register(MeterRegistry registry, Supplier<QueueStats> source, Clock clock) {
        TaskMetrics metrics = new TaskMetrics(source, clock);
        gauge(registry, metrics, "finehero.tasks.pending", "Tasks waiting to run", s -> count(s, TaskState.TASK_STATE_PENDING));
        gauge(registry, metrics, "finehero.tasks.running", "Tasks running on any instance", s -> count(s, TaskState.TASK_STATE_RUNNING));
        gauge(registry, metrics, "finehero.tasks.dead", "Tasks that used up their attempts", s -> (double) s.getDeadCount());
        gauge(registry, metrics, "finehero.tasks.oldest.pending.seconds", "How long the oldest due task has waited",
                s -> s.getOldestPendingAge().getSeconds() + s.getOldestPendingAge().getNanos() / 1e9);
        gauge(registry, metrics, "finehero.tasks.succeeded.per.second", "Tasks finished successfully per second, recently",
                QueueStats::getSucceededPerSecond);
        gauge(registry, metrics, "finehero.tasks.failed.per.second", "Failed attempts per second, recently", QueueStats::getFailedPerSecond);
    }

    private static void gauge(MeterRegistry registry, TaskMetrics metrics, String name, String description,
                              ToDoubleFunction<QueueStats> value) {
        registry.getOrCreate(Gauge.builder(name, metrics, m -> value.applyAsDouble(m.current())).description(description).tags(List.of()));
    }

    private static double count(QueueStats stats, TaskState state) {
        return stats.getDepthsList().stream().filter(d -> d.getState() == state).mapToLong(QueueDepth::getCount).sum();
    }

    private QueueStats current() {
        Instant now = clock.instant();
        QueueStats cached = last;
        if (cached == null || Duration.between(readAt, now).compareTo(FRESH) > 0 || now.isBefore(readAt)) {
            try {
                cached = source.get();
                last = cached;
                readAt = now;
            } catch (RuntimeException e) {
                return cached == null ? QueueStats.getDefaultInstance() : cached;
            }
        }
        return cached;
    }
}
