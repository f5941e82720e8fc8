package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The task engine's peer: db-scheduler 16.12 draining preloaded no-op one-time tasks from its standard
 * {@code scheduled_tasks} table on PostgreSQL, in a schema of its own.
 * <pre>
 * DbSchedulerPeer jdbcUrl user schema tasks warmupTasks threads poolSize out.json
 * </pre>
 * Set up as db-scheduler's README says for high throughput: lock-and-fetch polling (PostgreSQL's
 * {@code SELECT … FOR UPDATE SKIP LOCKED} marks a batch picked in one statement) with fractions 1.0 and 4.0
 * ("keep threads busy"), immediate execution on; 20 threads, as in the first configuration of its published
 * benchmark (which reached about 10k executions/s from four instances against a 4-core PostgreSQL). First {@code warmupTasks} run on a
 * scheduler that is then stopped (the JIT's warm-up), then {@code tasks} are inserted in one statement while
 * no scheduler runs, and a fresh scheduler in the same JVM drains them: tasks/s = tasks / (start → table empty).
 */
public final class DbSchedulerPeer {

    private DbSchedulerPeer() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1], schema = args[2];
        int tasks = Integer.parseInt(args[3]), warmup = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]), pool = Integer.parseInt(args[6]);
        Path out = Path.of(args[7]);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setMaximumPoolSize(pool);
        config.setSchema(schema);
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            createTable(dataSource, schema);
            LongAdder executed = new LongAdder();
            OneTimeTask<Void> noop = Tasks.oneTime("noop").execute((instance, context) -> executed.increment());
            if (warmup > 0) {
                drain(dataSource, noop, executed, warmup, threads);
            }
            double seconds = drain(dataSource, noop, executed, tasks, threads);
            Files.writeString(out, String.format(Locale.ROOT, "{\"tasks\":%d,\"warmup_tasks\":%d,\"threads\":%d,\"pool\":%d,"
                            + "\"polling\":\"lock-and-fetch 1.0-4.0 of threads\",\"seconds\":%.3f,\"tasks_per_second\":%.1f}",
                    tasks, warmup, threads, pool, seconds, tasks / seconds));
            System.out.printf(Locale.ROOT, "db-scheduler: %d no-op tasks drained in %.2f s = %.0f tasks/s (%d executed in all)%n",
                    tasks, seconds, tasks / seconds, executed.sum());
        }
    }

    /** db-scheduler's PostgreSQL table as its documentation gives it, in a fresh schema. */
    private static void createTable(HikariDataSource dataSource, String schema) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            statement.execute("CREATE SCHEMA " + schema);
            statement.execute("SET search_path TO " + schema);
            statement.execute("CREATE TABLE scheduled_tasks (task_name TEXT NOT NULL, task_instance TEXT NOT NULL, task_data BYTEA, "
                    + "execution_time TIMESTAMP WITH TIME ZONE NOT NULL, picked BOOLEAN NOT NULL, picked_by TEXT, "
                    + "last_success TIMESTAMP WITH TIME ZONE, last_failure TIMESTAMP WITH TIME ZONE, consecutive_failures INT, "
                    + "last_heartbeat TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, priority SMALLINT, "
                    + "PRIMARY KEY (task_name, task_instance))");
            statement.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
            statement.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
            statement.execute("CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
        }
    }

    /** Inserts {@code count} due executions, runs a scheduler until the table is empty, stops it; returns the seconds it ran. */
    private static double drain(HikariDataSource dataSource, OneTimeTask<Void> noop, LongAdder executed, int count, int threads)
            throws Exception {
        long target = executed.sum() + count;
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO scheduled_tasks (task_name, task_instance, execution_time, picked, version) "
                    + "SELECT 'noop', 'i' || g, now(), false, 1 FROM generate_series(1, " + count + ") g");
            statement.execute("ANALYZE scheduled_tasks");
        }
        Scheduler scheduler = Scheduler.create(dataSource, noop).threads(threads).pollUsingLockAndFetch(1.0, 4.0)
                .pollingInterval(Duration.ofSeconds(1)).enableImmediateExecution().build();
        long start = System.nanoTime();
        scheduler.start();
        try {
            // the handler's count first (no queries while it drains), then until the last rows are deleted
            while (executed.sum() < target) {
                Thread.sleep(10);
            }
            while (remaining(dataSource) > 0) {
                Thread.sleep(10);
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            scheduler.stop();
        }
    }

    private static long remaining(HikariDataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM scheduled_tasks")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
