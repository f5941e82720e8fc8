package com.finehero.server.tasks;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.retention.Retention;
import com.finehero.server.platform.retention.Upkeep;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code table_retention}: one retention pass over the append-only tables the wiring handed over (the
 * audit events and the task history): on PostgreSQL creates the partitions ahead and drops those past retention, on H2
 * deletes expired rows. Recurring on {@code finehero.tasks.schedules.table-retention} (cron). Safe to
 * run again and on several instances: a table another instance is keeping is left to it. (The event
 * outbox is kept by each instance's event feed, on the feed's own connection, because it must be kept
 * even where tasks are turned off.)
 */
final class TableRetentionHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("table_retention", PayloadSpec.empty(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(30), Duration.ofMinutes(10), 1),
            TaskType.Submitters.internalOnly());

    private final Retention retention;

    TableRetentionHandler(Retention retention) {
        super(TYPE);
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    @Override
    public Struct run(TaskContext context) {
        List<Upkeep> done = retention.keep();
        context.progress(100, done.toString());
        Struct.Builder result = Struct.newBuilder();
        for (Upkeep upkeep : done) {
            result.putFields(upkeep.table(), Value.newBuilder().setStructValue(Struct.newBuilder()
                    .putFields("partitions_created", number(upkeep.created().size()))
                    .putFields("partitions_dropped", number(upkeep.dropped().size()))
                    .putFields("rows_deleted", number(upkeep.deleted()))
                    .putFields("rows_moved", number(upkeep.moved()))
                    .putFields("skipped", Value.newBuilder().setBoolValue(upkeep.skipped()).build())).build());
        }
        return result.build();
    }

    private static Value number(long n) {
        return Value.newBuilder().setNumberValue(n).build();
    }
}
