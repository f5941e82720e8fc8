package com.finehero.server.fines;

import java.time.Duration;
import java.util.Objects;

import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code overdue_sweep}: marks OPEN and UPHELD fines past their due time OVERDUE. Recurring on
 * {@code finehero.tasks.schedules.overdue-sweep} (cron); safe to run again and on several instances.
 */
final class OverdueSweepHandler implements TaskHandler {

    static final String TYPE = "overdue_sweep";

    private final OverdueSweeper sweeper;

    OverdueSweepHandler(OverdueSweeper sweeper) {
        this.sweeper = Objects.requireNonNull(sweeper, "sweeper");
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public PayloadSpec payload() {
        return PayloadSpec.empty();
    }

    @Override
    public Defaults defaults() {
        return new Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(5), 1);
    }

    @Override
    public Struct run(TaskContext context) {
        int marked = sweeper.sweep();
        context.progress(100, marked + " fine(s) marked OVERDUE");
        return Struct.newBuilder().putFields("marked_overdue", Value.newBuilder().setNumberValue(marked).build()).build();
    }
}
