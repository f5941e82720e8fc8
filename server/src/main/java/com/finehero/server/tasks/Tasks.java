package com.finehero.server.tasks;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.events.EventFeed;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.platform.retention.AppendOnlyTable;
import com.finehero.server.platform.retention.Retention;
import io.grpc.BindableService;
import io.helidon.metrics.api.MeterRegistry;

/**
 * The tasks feature as the wiring sees it: the {@link TaskEngine} other features submit to and register
 * their handlers with, its own task type, its gRPC service and its metrics. The queue, the workers and
 * the SQL stay inside this package.
 */
public final class Tasks {

    private final TaskEngine engine;
    private final TasksConfig config;
    private final EventFeed events;
    private final Clock clock;

    private Tasks(TaskEngine engine, TasksConfig config, EventFeed events, Clock clock) {
        this.engine = engine;
        this.config = config;
        this.events = events;
        this.clock = clock;
    }

    /** The task engine of this instance on {@code database}; it runs nothing until {@link TaskEngine#start}. */
    public static Tasks create(Database database, TasksConfig config, RedisConnector redis, Clock clock, Outbox outbox,
                               EventFeed events) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(config, "config");
        TaskRules rules = new TaskRules(Objects.requireNonNull(clock, "clock"), config.aging(), config.pastTolerance());
        TaskEngine engine = new TaskEngine(new JdbcTaskStore(database, rules, Objects.requireNonNull(outbox, "outbox")), rules, new TaskHandlers(config.concurrency()),
                config, redis);
        return new Tasks(engine, config, Objects.requireNonNull(events, "events"), clock);
    }

    public TaskEngine engine() {
        return engine;
    }

    /** The recurring retention pass over the append-only tables, scheduled on {@code finehero.tasks.schedules.table-retention}. */
    public static final String TABLE_RETENTION = TableRetentionHandler.TYPE.name();

    /**
     * Where finished (SUCCEEDED, CANCELLED) tasks move a few minutes after they finish: on PostgreSQL
     * partitioned by UTC day of their finish time.
     */
    public static final AppendOnlyTable HISTORY = JdbcTaskStore.HISTORY;

    /** The finished tasks' history, and how long it keeps them ({@code finehero.tasks.retention}): for the retention pass. */
    public Retention.Kept history() {
        return new Retention.Kept(HISTORY, config.retention());
    }

    /** The handlers of the engine's own task types (noop, table_retention), to register with the engine. */
    public List<TaskHandler> taskHandlers(Retention retention) {
        return List.of(new NoopHandler(), new TableRetentionHandler(retention));
    }

    /** The {@code finehero.tasks.v1.TasksService} implementation. */
    public BindableService service() {
        return new TasksGrpcService(engine, events, config.maxWatchesPerUser());
    }

    /** Publishes the queue gauges (depth, oldest pending) on {@code meters}. */
    public void registerMetrics(MeterRegistry meters) {
        TaskMetrics.register(meters, () -> engine.stats(""), clock);
    }
}
