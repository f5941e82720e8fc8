package com.finehero.server.fines;

import java.time.Duration;
import java.util.Objects;

import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code analytics_rollup}: rewrites the daily analytics rollup of the days whose fines changed.
 * Recurring on {@code finehero.tasks.schedules.analytics-rollup} (cron). Answers never wait for it:
 * a day it has not rewritten yet is read from the fines. Safe to run again and on several instances
 * (runs on the same day wait for each other's locks).
 */
final class AnalyticsRollupHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("analytics_rollup", PayloadSpec.empty(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(5), 1),
            TaskType.Submitters.internalOnly());

    /** Batches of days per run: enough for a year of days marked at once, bounded so a run ends under steady writes. */
    static final int MAX_PASSES = 10;

    private final FineStore store;

    AnalyticsRollupHandler(FineStore store) {
        super(TYPE);
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Struct run(TaskContext context) {
        int days = store.refreshAnalytics(MAX_PASSES);
        context.progress(100, days + " day(s) of analytics rewritten");
        return Struct.newBuilder().putFields("days_rewritten", Value.newBuilder().setNumberValue(days).build()).build();
    }
}
