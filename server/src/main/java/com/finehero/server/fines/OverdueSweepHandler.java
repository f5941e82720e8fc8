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
 * {@code overdue_sweep}: marks OPEN and UPHELD fines past their due time OVERDUE. Recurring on
 * {@code finehero.tasks.schedules.overdue-sweep} (cron); safe to run again and on several instances.
 */
final class OverdueSweepHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("overdue_sweep", PayloadSpec.empty(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(5), 1),
            TaskType.Submitters.internalOnly());

    private final OverdueSweeper sweeper;

    OverdueSweepHandler(OverdueSweeper sweeper) {
        super(TYPE);
        this.sweeper = Objects.requireNonNull(sweeper, "sweeper");
    }

    @Override
    public Struct run(TaskContext context) {
        int marked = sweeper.sweep();
        context.progress(100, marked + " fine(s) marked OVERDUE");
        return Struct.newBuilder().putFields("marked_overdue", Value.newBuilder().setNumberValue(marked).build()).build();
    }
}
