package com.finehero.server.tasks;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Task engine settings ({@code finehero.tasks.*}; env {@code FINEHERO_TASKS_WORKERS}, ...).
 *
 * @param enabled        whether this instance runs tasks (submitting works either way)
 * @param workers        handlers running at once on this instance (virtual threads)
 * @param claimBatch     most tasks claimed in one statement
 * @param poll           how often an idle instance looks for due work when no wake-up arrives
 * @param lease          how long a claimed task is held without a heartbeat before it is rescued
 * @param heartbeat      how often leases are renewed (and cancellations of running tasks noticed)
 * @param maintenance    how often expired leases are rescued and finished tasks moved to the history
 * @param aging          waiting this long is worth one priority level (anti-starvation)
 * @param pastTolerance  how far in the past a submitted run_at may be
 * @param retention      finished (SUCCEEDED, CANCELLED) tasks are kept in the history this long after they finished
 * @param maxWatchesPerUser  WatchTask streams one caller may hold open at once on one instance
 * @param overdueSweep   cron expression of the overdue sweep; empty turns it off
 * @param analyticsRollup  cron expression of the rewrite of changed days of the analytics rollup; empty turns it off
 * @param tableRetention cron expression of the retention pass over the append-only tables (audit events, task history); empty turns it off
 * @param concurrency    per-type limits of handlers running at once on this instance, over the types' defaults
 */
public record TasksConfig(boolean enabled, int workers, int claimBatch, Duration poll, Duration lease,
                          Duration heartbeat, Duration maintenance, Duration aging, Duration pastTolerance,
                          Duration retention, int maxWatchesPerUser, String overdueSweep, String analyticsRollup,
                          String tableRetention,
                          Map<String, Integer> concurrency) {

    public TasksConfig {
        Objects.requireNonNull(overdueSweep, "overdueSweep");
        Objects.requireNonNull(analyticsRollup, "analyticsRollup");
        Objects.requireNonNull(tableRetention, "tableRetention");
        concurrency = Map.copyOf(concurrency);
        if (heartbeat.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("configuration finehero.tasks.heartbeat = " + heartbeat
                    + " is invalid: expected shorter than finehero.tasks.lease (" + lease + ") (env var FINEHERO_TASKS_HEARTBEAT)");
        }
    }

    public static TasksConfig from(Config tasks) {
        Map<String, Integer> concurrency = new HashMap<>();
        tasks.get("concurrency").asNodeList().ifPresent(nodes -> nodes.forEach(node ->
                concurrency.put(node.name(), ConfigValues.intInRange(tasks.get("concurrency"), node.name(), 1, 10_000))));
        return new TasksConfig(
                ConfigValues.bool(tasks, "enabled"),
                ConfigValues.intInRange(tasks, "workers", 1, 10_000),
                ConfigValues.intInRange(tasks, "claim-batch", 1, 1_000),
                positive(tasks, "poll"),
                positive(tasks, "lease"),
                positive(tasks, "heartbeat"),
                positive(tasks, "maintenance"),
                positive(tasks, "aging"),
                ConfigValues.duration(tasks, "past-tolerance"),
                positive(tasks, "retention"),
                ConfigValues.intInRange(tasks, "max-watches-per-user", 1, 10_000),
                ConfigValues.string(tasks.get("schedules"), "overdue-sweep"),
                ConfigValues.string(tasks.get("schedules"), "analytics-rollup"),
                ConfigValues.string(tasks.get("schedules"), "table-retention"),
                concurrency);
    }

    private static Duration positive(Config node, String key) {
        Duration value = ConfigValues.duration(node, key);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("configuration finehero.tasks." + key + " = " + value
                    + " is invalid: expected a positive ISO-8601 duration such as PT1S (env var FINEHERO_TASKS_"
                    + key.toUpperCase(java.util.Locale.ROOT).replace("-", "_dash_") + ")");
        }
        return value;
    }
}
