package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.finehero.server.auth.Auth;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.platform.retention.AppendOnlyTable;
import com.finehero.server.platform.retention.RetentionSql;
import com.finehero.server.platform.retention.Upkeep;
import com.finehero.server.tasks.Tasks;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The time-partitioned audit_events and event_outbox on PostgreSQL at volume. In a schema of its own,
 * migrated as the server migrates it, it generates audit events spread evenly over the last 13 months
 * and outbox rows over the last 3 days straight in SQL ({@code generate_series}, deterministic), into
 * partitions the server's own retention pass creates, and copies both into plain tables laid out as
 * before partitioning (V5, V16). Then, on both layouts, each query the audit log and the event feed
 * run: once under {@code EXPLAIN (ANALYZE, BUFFERS)} (is an index used, is any partition read by a
 * sequential scan, how many partitions the plan touches and how many it prunes) and repeatedly for
 * p50/p99. Last, retention: the server's pass dropping the oldest partition against DELETE (and the
 * VACUUM it owes) of the same rows from the plain table.
 *
 * <p>The statements are those of {@code JdbcAuditStore} and {@code EventFeed}, written out here since
 * both keep them private.
 *
 * <p>Usage: {@code PartitionsBench url user schema audit-events outbox-rows seconds-per-query out.json [notes]}
 */
public final class PartitionsBench {

    private static final String AUDIT_COLUMNS = "id, event_time, principal_id, principal_name, credential, method, resource, "
            + "peer, protocol, outcome, request_id";
    private static final String OUTBOX_COLUMNS = "id, topic, kind, record_id, owner_id, jurisdiction, payload, create_time";
    private static final String[] METHODS = {
        "finehero.fines.v1.FinesService/GetFine", "finehero.fines.v1.FinesService/ListFines",
        "finehero.fines.v1.FinesService/CreateFine", "finehero.fines.v1.FinesService/UpdateFine",
        "finehero.fines.v1.FinesService/PayFine", "finehero.fines.v1.FinesService/ContestFine",
        "finehero.documents.v1.DocumentsService/GetDocument", "finehero.documents.v1.DocumentsService/SearchDocuments",
        "finehero.documents.v1.DocumentsService/CreateDocument", "finehero.tasks.v1.TasksService/SubmitTask",
        "finehero.tasks.v1.TasksService/GetTask", "finehero.auth.v1.AuthService/Login",
        "finehero.auth.v1.AuthService/Refresh", "finehero.auth.v1.AuthService/CreateUser",
        "finehero.monitoring.v1.MonitoringService/ListAlerts", "finehero.events.v1.EventsService/WatchEvents"};

    private PartitionsBench() {
    }

    /** One measured statement: a name, which table, its SQL with {@code %s} for the table, and its parameters. */
    record Query(String name, String table, String sql, List<Object> params, boolean rollBack) { }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String schema = args[2];
        long auditEvents = Long.parseLong(args[3]);
        long outboxRows = Long.parseLong(args[4]);
        Duration perQuery = Duration.ofSeconds(Long.parseLong(args[5]));
        Path out = Path.of(args[6]);
        String notes = args.length > 7 ? args[7] : "";
        long finishedTasks = args.length > 8 ? Long.parseLong(args[8]) : 0;
        DbConfig config = new DbConfig(url, user, "", schema, 1, 3, Duration.ofSeconds(5), Duration.ofMinutes(30),
                new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1)));
        Instant now = Instant.now();
        JsonObject result = new JsonObject();
        result.addProperty("benchmark", "partitions");
        result.addProperty("date", now.toString());
        result.add("machine", machine());
        result.addProperty("audit_events", auditEvents);
        result.addProperty("outbox_rows", outboxRows);
        result.addProperty("finished_tasks", finishedTasks);
        if (!notes.isBlank()) {
            result.addProperty("notes", notes);
        }
        result.addProperty("compared", "audit_events (UTC month partitions, 13 months of events) and event_outbox (UTC day"
                + " partitions, 3 days of rows) as V22 partitions them, against plain copies of the same rows laid out as"
                + " before (V5: primary key id, (principal_id, id), (method, id); V16: primary key id, (create_time)); each"
                + " query ListAuditEvents and the event feed run, once under EXPLAIN (ANALYZE, BUFFERS) and repeated for"
                + " p50/p99; then dropping the oldest partition through the server's retention pass against DELETE and"
                + " VACUUM of the same rows from the plain table");
        result.addProperty("seconds_per_query", perQuery.toSeconds());
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", user);
        properties.setProperty("currentSchema", schema);
        // the server's own connections outside the pool give up after 10 s without an answer; generating
        // and copying tens of millions of rows takes longer, so the bench opens its own, without a limit
        try (Database database = Database.open(config);
             Connection connection = java.sql.DriverManager.getConnection(url, properties)) {
            connection.setAutoCommit(true);
            result.getAsJsonObject("machine").addProperty("postgresql", scalarText(connection, "SELECT version()"));
            JsonObject generation = new JsonObject();
            generation.addProperty("audit_seconds", timed(() -> generateAudit(connection, auditEvents, now)));
            generation.addProperty("outbox_seconds", timed(() -> generateOutbox(connection, outboxRows, now)));
            generation.addProperty("plain_copies_seconds", timed(() -> plainCopies(connection)));
            generation.addProperty("vacuum_analyze_seconds", timed(() -> execute(connection,
                    "VACUUM ANALYZE audit_events", "VACUUM ANALYZE event_outbox",
                    "VACUUM ANALYZE plain_audit_events", "VACUUM ANALYZE plain_event_outbox")));
            generation.addProperty("audit_partitions", partitions(connection, "audit_events"));
            generation.addProperty("outbox_partitions", partitions(connection, "event_outbox"));
            result.add("generation", generation);
            System.err.println(generation);

            JsonArray queries = new JsonArray();
            for (Query query : queries(connection)) {
                for (String layout : List.of("partitioned", "plain")) {
                    String table = layout.equals("plain") ? "plain_" + query.table() : query.table();
                    JsonObject run = measure(connection, query, table, perQuery);
                    run.addProperty("layout", layout);
                    queries.add(run);
                    System.err.println(run);
                }
            }
            result.add("queries", queries);

            JsonArray retention = new JsonArray();
            retention.add(dropAgainstDelete(connection, Auth.AUDIT_EVENTS, now));
            retention.add(dropAgainstDelete(connection, Outbox.TABLE, now));
            result.add("retention", retention);
            System.err.println(retention);

            if (finishedTasks > 0) {
                result.add("tasks", tasks(connection, finishedTasks, now, perQuery));
            }
        }
        result.addProperty("load_average_after", AnalyticsBench.loadAverage());
        Files.writeString(out, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(result) + "\n");
    }

    @FunctionalInterface
    interface Work {
        void run() throws SQLException;
    }

    static double timed(Work work) throws SQLException {
        long start = System.nanoTime();
        work.run();
        return Math.round((System.nanoTime() - start) / 1e8) / 10.0;
    }

    static JsonObject machine() {
        JsonObject machine = new JsonObject();
        machine.addProperty("cpus", Runtime.getRuntime().availableProcessors());
        machine.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.addProperty("java", System.getProperty("java.version"));
        machine.addProperty("load_average_before", AnalyticsBench.loadAverage());
        return machine;
    }

    static void execute(Connection connection, String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    static long scalar(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    static String scalarText(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    static int partitions(Connection connection, String table) throws SQLException {
        return (int) scalar(connection, "SELECT COUNT(*) FROM pg_inherits WHERE inhparent = to_regclass('" + table + "')");
    }

    /**
     * Audit events evenly over the 13 months before {@code now}, oldest first (ids grow with time, as they
     * do live): 10,000 principals, the methods above with GetFine and ListFines most common, one in fifty
     * refused. The partitions come first, from the server's retention pass run as of each month.
     */
    static void generateAudit(Connection connection, long n, Instant now) throws SQLException {
        AppendOnlyTable table = Auth.AUDIT_EVENTS;
        RetentionSql retention = RetentionSql.of(new Dialect.PostgreSql());
        Instant from = now.minus(Duration.ofDays(395));
        for (Instant month = table.slice().start(from); month.isBefore(now); month = table.slice().next(month)) {
            retention.keep(connection, table, Duration.ofDays(3650), month);
        }
        retention.keep(connection, table, Duration.ofDays(3650), now);
        String methods = "ARRAY['" + String.join("','", METHODS) + "']";
        execute(connection, "INSERT INTO audit_events (event_time, principal_id, principal_name, credential, method, resource,"
                + " peer, protocol, outcome, request_id)"
                + " SELECT TIMESTAMPTZ '" + from + "' + (i::float8 / " + n + ") * INTERVAL '395 days',"
                + " 'user-' || (i * 7919 % 10000), 'name-' || (i * 7919 % 10000), CASE WHEN i % 5 = 0 THEN 'api_key' ELSE 'jwt' END,"
                + " (" + methods + ")[1 + (CASE WHEN i % 3 = 0 THEN i % 2 ELSE i * 31 % " + METHODS.length + " END)],"
                + " 'fine-' || (i * 104729 % 1000000), '10.0.' || (i % 200) || '.' || (i % 250),"
                + " CASE WHEN i % 4 = 0 THEN 'rest' ELSE 'grpc' END, CASE WHEN i % 50 = 0 THEN 'PERMISSION_DENIED' ELSE 'OK' END,"
                + " md5(i::text)"
                + " FROM generate_series(1::bigint, " + n + ") AS i");
    }

    /** Outbox rows evenly over the 3 days before {@code now}, oldest first, each with a 64-byte payload. */
    static void generateOutbox(Connection connection, long n, Instant now) throws SQLException {
        AppendOnlyTable table = Outbox.TABLE;
        RetentionSql retention = RetentionSql.of(new Dialect.PostgreSql());
        Instant from = now.minus(Duration.ofDays(3));
        retention.keep(connection, table, Duration.ofDays(30), from);
        retention.keep(connection, table, Duration.ofDays(30), now);
        execute(connection, "INSERT INTO event_outbox (topic, kind, record_id, owner_id, jurisdiction, payload, create_time)"
                + " SELECT (ARRAY['fines','tasks','alerts'])[1 + i % 3], 'UPDATED', 'record-' || (i * 7919 % 1000000),"
                + " 'user-' || (i % 10000), 'US-CA-SF', decode(md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text)"
                + " || md5((i + 3)::text), 'hex'),"
                + " TIMESTAMPTZ '" + from + "' + (i::float8 / " + n + ") * INTERVAL '3 days'"
                + " FROM generate_series(1::bigint, " + n + ") AS i");
    }

    /** The same rows in tables laid out as before partitioning: V5's audit_events and V16's event_outbox. */
    static void plainCopies(Connection connection) throws SQLException {
        execute(connection,
                "CREATE TABLE plain_audit_events AS SELECT * FROM audit_events ORDER BY id",
                "ALTER TABLE plain_audit_events ADD PRIMARY KEY (id)",
                "CREATE INDEX plain_audit_events_by_principal ON plain_audit_events (principal_id, id)",
                "CREATE INDEX plain_audit_events_by_method ON plain_audit_events (method, id)",
                "CREATE TABLE plain_event_outbox AS SELECT * FROM event_outbox ORDER BY id",
                "ALTER TABLE plain_event_outbox ADD PRIMARY KEY (id)",
                "CREATE INDEX plain_event_outbox_by_time ON plain_event_outbox (create_time)");
    }

    static List<Query> queries(Connection connection) throws SQLException {
        long maxAudit = scalar(connection, "SELECT MAX(id) FROM audit_events");
        long midAudit = scalar(connection, "SELECT MIN(id) + (MAX(id) - MIN(id)) / 2 FROM audit_events");
        long maxOutbox = scalar(connection, "SELECT MAX(id) FROM event_outbox");
        long halfDayAgo = scalar(connection, "SELECT MIN(id) FROM event_outbox WHERE create_time >= now() - INTERVAL '12 hours'");
        String page = "SELECT " + AUDIT_COLUMNS + " FROM %s WHERE id < ?";
        return List.of(
                new Query("audit_newest_page", "audit_events", page + " ORDER BY id DESC LIMIT 50",
                        List.of(Long.MAX_VALUE), false),
                new Query("audit_by_principal", "audit_events", page + " AND principal_id = ? ORDER BY id DESC LIMIT 50",
                        List.of(Long.MAX_VALUE, "user-4242"), false),
                new Query("audit_by_principal_six_months_back", "audit_events", page + " AND principal_id = ? ORDER BY id DESC LIMIT 50",
                        List.of(midAudit, "user-4242"), false),
                new Query("audit_by_method", "audit_events", page + " AND method = ? ORDER BY id DESC LIMIT 50",
                        List.of(Long.MAX_VALUE, "finehero.auth.v1.AuthService/CreateUser"), false),
                new Query("audit_by_bare_method", "audit_events", page + " AND method LIKE ? ORDER BY id DESC LIMIT 50",
                        List.of(Long.MAX_VALUE, "%/CreateUser"), false),
                new Query("audit_amend", "audit_events", "UPDATE %s SET resource = ?, outcome = ? WHERE id = ?",
                        List.of("fine-amended", "OK", maxAudit - 10), true),
                new Query("audit_pseudonymise_principal", "audit_events", "UPDATE %s SET principal_name = ? WHERE principal_id = ?",
                        List.of("deleted-user-4243", "user-4243"), true),
                new Query("outbox_feed_read", "event_outbox", "SELECT " + OUTBOX_COLUMNS + " FROM %s WHERE id > ? ORDER BY id LIMIT ?",
                        List.of(maxOutbox - 100, 500), false),
                new Query("outbox_feed_read_with_missing_ids", "event_outbox", "SELECT " + OUTBOX_COLUMNS
                        + " FROM %s WHERE id > ? OR id IN (?, ?, ?) ORDER BY id LIMIT ?",
                        List.of(maxOutbox - 100, maxOutbox - 150, maxOutbox - 160, maxOutbox - 170, 503), false),
                new Query("outbox_replay_from_12h_ago", "event_outbox", "SELECT " + OUTBOX_COLUMNS
                        + " FROM %s WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", List.of(halfDayAgo, maxOutbox, 500), false),
                new Query("outbox_newest_id", "event_outbox", "SELECT MAX(id) FROM %s", List.of(), false),
                new Query("outbox_oldest_id", "event_outbox", "SELECT MIN(id) FROM %s", List.of(), false));
    }

    /** Columns of a task as the server reads one (TaskMapper.COLUMNS). */
    private static final String TASK_COLUMNS = "id, type, payload, priority, state, run_at, cron, idempotency_key, attempts, "
            + "max_attempts, backoff_ms, lease_owner, cancel_requested, progress_percent, progress_message, result, "
            + "last_error, create_time, update_time, start_time, finish_time, version, submitter";

    /**
     * The tasks as the server lays them out at {@code finished} finished tasks spread over the 7 days
     * finehero.tasks.retention keeps them (1 in 50 cancelled, 1 in 100 dead, 10,000 submitters): the
     * SUCCEEDED and CANCELLED ones in task_history's day partitions (made by the server's retention pass),
     * the DEAD ones in the queue table with 20,000 waiting and 200 running tasks. Every statement the queue
     * and the tasks API run, under EXPLAIN and repeated; how fast the maintenance moves finished tasks to
     * the history; and the retention pass dropping the oldest day against DELETE (and VACUUM) of the same
     * rows from a plain copy of the history.
     */
    static JsonObject tasks(Connection connection, long finished, Instant now, Duration perQuery) throws SQLException {
        JsonObject tasks = new JsonObject();
        Instant from = now.minus(Duration.ofDays(7));
        AppendOnlyTable history = Tasks.HISTORY;
        RetentionSql retention = RetentionSql.of(new Dialect.PostgreSql());
        for (Instant day = history.slice().start(from); day.isBefore(now); day = history.slice().next(day)) {
            retention.keep(connection, history, Duration.ofDays(30), day);
        }
        String types = "ARRAY['noop','export_fines','import_fines','appeal_letter','reindex_documents']";
        String finishedRows = " SELECT md5('t' || i)::uuid::text, (" + types + ")[1 + i % 5], '{}', 1 + i % 3,"
                + " CASE WHEN i % 100 = 0 THEN 'DEAD' WHEN i % 50 = 0 THEN 'CANCELLED' ELSE 'SUCCEEDED' END,"
                + " t, 1, 3, 1000, '{}', t, t + INTERVAL '1 second', t, t + INTERVAL '1 second', 3,"
                + " 'user-' || (i * 7919 % 10000), 'ROLE_API_USER', 'jwt', CASE WHEN i % 10 = 0 THEN 'key-' || i END,"
                + " FALSE, 100, '', ''"
                + " FROM (SELECT i, TIMESTAMPTZ '" + from + "' + (i::float8 / " + finished + ") * INTERVAL '7 days' AS t"
                + " FROM generate_series(1::bigint, " + finished + ") AS i) AS g";
        String finishedColumns = "id, type, payload, priority, state, run_at, attempts, max_attempts, backoff_ms,"
                + " result, create_time, update_time, start_time, finish_time, version, submitter, submitter_roles,"
                + " submitter_credential, idempotency_key, cancel_requested, progress_percent, progress_message, last_error";
        tasks.addProperty("generate_seconds", timed(() -> execute(connection,
                "INSERT INTO task_history (" + finishedColumns + ")"
                        + " SELECT * FROM (" + finishedRows + ") AS f(" + finishedColumns + ") WHERE state <> 'DEAD'",
                "INSERT INTO tasks (" + finishedColumns.replace("run_at,", "run_at, ready_key,") + ")"
                        + " SELECT id, type, payload, priority, state, run_at, run_at, attempts, max_attempts, backoff_ms, result,"
                        + " create_time, update_time, start_time, finish_time, version, submitter, submitter_roles,"
                        + " submitter_credential, idempotency_key, cancel_requested, progress_percent, progress_message, last_error"
                        + " FROM (" + finishedRows + ") AS f(" + finishedColumns + ") WHERE state = 'DEAD'",
                "INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, attempts, max_attempts, backoff_ms,"
                        + " create_time, update_time, version, submitter, submitter_roles, submitter_credential,"
                        + " lease_owner, lease_until, start_time)"
                        + " SELECT md5('live' || i)::uuid::text, (" + types + ")[1 + i % 5], '{}', 1 + i % 3,"
                        + " CASE WHEN i <= 200 THEN 'RUNNING' ELSE 'PENDING' END,"
                        + " TIMESTAMPTZ '" + now + "' + (i - 10000) * INTERVAL '1 second',"
                        + " TIMESTAMPTZ '" + now + "' + (i - 10000) * INTERVAL '1 second', CASE WHEN i <= 200 THEN 1 ELSE 0 END,"
                        + " 3, 1000, TIMESTAMPTZ '" + now + "', TIMESTAMPTZ '" + now + "', 1, 'user-' || (i % 10000),"
                        + " 'ROLE_API_USER', 'jwt', CASE WHEN i <= 200 THEN 'instance-a' END,"
                        + " CASE WHEN i <= 200 THEN TIMESTAMPTZ '" + now + "' + INTERVAL '30 seconds' END,"
                        + " CASE WHEN i <= 200 THEN TIMESTAMPTZ '" + now + "' END"
                        + " FROM generate_series(1, 20200) AS i",
                "VACUUM ANALYZE tasks", "VACUUM ANALYZE task_history")));
        tasks.addProperty("queue_table_rows", scalar(connection, "SELECT COUNT(*) FROM tasks"));
        tasks.addProperty("history_rows", scalar(connection, "SELECT COUNT(*) FROM task_history"));
        tasks.addProperty("history_partitions", partitions(connection, "task_history"));
        java.sql.Timestamp at = java.sql.Timestamp.from(now);
        java.sql.Timestamp minuteAgo = java.sql.Timestamp.from(now.minusSeconds(60));
        String archivedId = scalarText(connection, "SELECT md5('t' || " + (finished / 2 + 1) + ")::uuid::text");
        String liveId = scalarText(connection, "SELECT md5('live' || 5000)::uuid::text");
        String select = "SELECT " + TASK_COLUMNS + " FROM ";
        // JdbcTaskStore's statements, written out here since it keeps them private
        String byId = select + "tasks WHERE id = ? UNION ALL " + select + "task_history WHERE id = ?";
        String page = " ORDER BY create_time DESC, id DESC LIMIT ?";
        String both = "SELECT * FROM (" + select + "tasks%1$s" + page + ") live UNION ALL SELECT * FROM (" + select
                + "task_history%1$s" + page + ") archived" + page;
        List<Query> queries = List.of(
                new Query("task_claim", "tasks", select + "tasks WHERE state IN ('PENDING', 'FAILED') AND run_at <= ?"
                        + " ORDER BY ready_key, seq LIMIT ? FOR UPDATE SKIP LOCKED", List.of(at, 200), true),
                new Query("task_get_from_the_history", "tasks", byId, List.of(archivedId, archivedId), false),
                new Query("task_get_live", "tasks", byId, List.of(liveId, liveId), false),
                new Query("task_list_newest", "tasks", both.formatted(""), List.of(50, 50, 50), false),
                new Query("task_list_of_a_submitter", "tasks", both.formatted(" WHERE submitter = ?"),
                        List.of("user-4242", 50, "user-4242", 50, 50), false),
                new Query("task_list_cancelled", "tasks", both.formatted(" WHERE state IN ('CANCELLED')"), List.of(50, 50, 50), false),
                new Query("task_list_dead", "tasks", select + "tasks WHERE state IN ('DEAD')" + page, List.of(50), false),
                new Query("task_idempotency_key_in_the_history", "tasks", select + "tasks WHERE submitter = ? AND idempotency_key = ?"
                        + " UNION ALL " + select + "task_history WHERE submitter = ? AND idempotency_key = ?",
                        List.of("user-" + (10L * 7919 % 10000), "key-10", "user-" + (10L * 7919 % 10000), "key-10"), false),
                new Query("task_expired_leases", "tasks", select + "tasks WHERE state = 'RUNNING' AND lease_until < ?"
                        + " ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED", List.of(at, 100), true),
                new Query("task_stats_depths", "tasks", "SELECT priority, state, COUNT(*) AS n FROM tasks"
                        + " WHERE state IN ('PENDING', 'RUNNING', 'FAILED', 'DEAD') GROUP BY priority, state ORDER BY priority DESC, state",
                        List.of(), false),
                new Query("task_stats_last_minute", "tasks", "SELECT"
                        + " (SELECT COUNT(*) FROM tasks WHERE finish_time >= ? AND state = 'SUCCEEDED') AS succeeded,"
                        + " (SELECT COUNT(*) FROM tasks WHERE finish_time >= ? AND state = 'DEAD') AS died,"
                        + " (SELECT COUNT(*) FROM tasks WHERE state = 'FAILED' AND update_time >= ?) AS failed,"
                        + " (SELECT MIN(run_at) FROM tasks WHERE state IN ('PENDING', 'FAILED') AND run_at <= ?) AS oldest",
                        List.of(minuteAgo, minuteAgo, minuteAgo, at), false));
        JsonArray runs = new JsonArray();
        for (Query query : queries) {
            JsonObject run = measure(connection, query, "tasks", perQuery);
            runs.add(run);
            System.err.println(run);
        }
        tasks.add("queries", runs);
        tasks.add("archive", archive(connection, now));
        execute(connection,
                "CREATE TABLE plain_task_history AS SELECT * FROM task_history",
                "ALTER TABLE plain_task_history ADD PRIMARY KEY (id)",
                "CREATE INDEX plain_task_history_newest ON plain_task_history (create_time, id)",
                "CREATE INDEX plain_task_history_submitter ON plain_task_history (submitter, create_time, id)",
                "CREATE INDEX plain_task_history_idempotency ON plain_task_history (submitter, idempotency_key)"
                        + " WHERE idempotency_key IS NOT NULL",
                "VACUUM ANALYZE plain_task_history");
        JsonObject drop = dropAgainstDelete(connection, history, now);
        tasks.add("retention", drop);
        System.err.println(drop);
        return tasks;
    }

    /**
     * The maintenance's move of finished tasks to the history, as JdbcTaskStore.archive runs it (batches
     * of 1,000, one transaction each) over 100,000 tasks that succeeded ten minutes ago: rows per second.
     */
    static JsonObject archive(Connection connection, Instant now) throws SQLException {
        String columns = TASK_COLUMNS + ", submitter_roles, submitter_credential, submitter_scope";
        execute(connection, "INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, attempts, max_attempts,"
                + " backoff_ms, result, create_time, update_time, start_time, finish_time, version, submitter, submitter_roles,"
                + " submitter_credential)"
                + " SELECT md5('archive' || i)::uuid::text, 'noop', '{}', 2, 'SUCCEEDED', t, t, 1, 3, 1000, '{}', t, t, t, t, 3,"
                + " 'user-' || (i % 10000), 'ROLE_API_USER', 'jwt'"
                + " FROM (SELECT i, TIMESTAMPTZ '" + now.minus(Duration.ofMinutes(10)) + "' + i * INTERVAL '1 millisecond' AS t"
                + " FROM generate_series(1, 100000) AS i) AS g", "VACUUM ANALYZE tasks");
        java.sql.Timestamp cutoff = java.sql.Timestamp.from(now.minus(Duration.ofMinutes(5)));
        long moved = 0;
        int batches = 0;
        long start = System.nanoTime();
        connection.setAutoCommit(false);
        try {
            while (true) {
                List<String> ids = new ArrayList<>();
                try (PreparedStatement select = connection.prepareStatement("SELECT id FROM tasks WHERE state IN ('SUCCEEDED', "
                        + "'CANCELLED') AND finish_time < ? ORDER BY finish_time LIMIT ? FOR UPDATE SKIP LOCKED")) {
                    select.setTimestamp(1, cutoff);
                    select.setInt(2, 1000);
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            ids.add(rows.getString(1));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    connection.commit();
                    break;
                }
                String these = " WHERE id IN (" + String.join(", ", java.util.Collections.nCopies(ids.size(), "?")) + ")";
                for (String sql : List.of("INSERT INTO task_history (" + columns + ") SELECT " + columns + " FROM tasks" + these,
                        "DELETE FROM tasks" + these)) {
                    try (PreparedStatement statement = connection.prepareStatement(sql)) {
                        bind(statement, new ArrayList<>(ids));
                        statement.executeUpdate();
                    }
                }
                connection.commit();
                moved += ids.size();
                batches++;
            }
        } finally {
            connection.setAutoCommit(true);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonObject result = new JsonObject();
        result.addProperty("statements", "per batch: SELECT id ... FOR UPDATE SKIP LOCKED LIMIT 1000; INSERT INTO task_history"
                + " SELECT ... FROM tasks WHERE id IN (...); DELETE FROM tasks WHERE id IN (...); COMMIT");
        result.addProperty("moved", moved);
        result.addProperty("batches", batches);
        result.addProperty("seconds", Math.round(seconds * 100) / 100.0);
        result.addProperty("rows_per_second", Math.round(moved / seconds));
        System.err.println(result);
        return result;
    }

    static JsonObject measure(Connection connection, Query query, String table, Duration duration) throws SQLException {
        String sql = String.format(Locale.ROOT, query.sql(), table);
        JsonObject run = new JsonObject();
        run.addProperty("query", query.name());
        run.addProperty("table", query.table());
        connection.setAutoCommit(false);
        try {
            JsonObject plan;
            try (PreparedStatement explain = connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)) {
                bind(explain, query.params());
                try (ResultSet rows = explain.executeQuery()) {
                    rows.next();
                    plan = JsonParser.parseString(rows.getString(1)).getAsJsonArray().get(0).getAsJsonObject();
                }
            }
            connection.rollback();
            PlanSummary summary = new PlanSummary();
            summary.visit(plan.getAsJsonObject("Plan"));
            run.addProperty("index_used", summary.indexScans > 0);
            // the planner scans an empty partition (the default one, the months ahead) sequentially, as
            // that is cheapest; what matters is whether a sequential scan read any rows
            run.addProperty("seq_scans", summary.seqScans);
            run.addProperty("rows_read_by_seq_scans", summary.seqScanRows);
            run.addProperty("node_types", String.join(",", summary.nodeTypes));
            int total = table.startsWith("plain_") ? 0 : partitions(connection, table);
            if (total > 0) {
                summary.relations.remove(table); // an UPDATE's ModifyTable node names the parent
                summary.relationsExecuted.remove(table);
                // a partition pruned at planning is absent from the plan, one pruned at executor start-up is
                // counted in "Subplans Removed" and absent too; one in the plan may still never be executed
                run.addProperty("partitions", total);
                run.addProperty("partitions_in_plan", summary.relations.size());
                run.addProperty("partitions_pruned", total - summary.relations.size());
                run.addProperty("partitions_pruned_at_run_time", summary.subplansRemoved);
                run.addProperty("partitions_executed", summary.relationsExecuted.size());
            }
            run.addProperty("shared_buffers_hit", plan.getAsJsonObject("Plan").get("Shared Hit Blocks").getAsLong());
            run.addProperty("shared_buffers_read", plan.getAsJsonObject("Plan").get("Shared Read Blocks").getAsLong());
            run.addProperty("planning_ms", plan.get("Planning Time").getAsDouble());
            run.addProperty("execution_ms", plan.get("Execution Time").getAsDouble());

            List<Long> latencies = new ArrayList<>();
            long end = System.nanoTime() + duration.toNanos();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                bind(statement, query.params());
                do {
                    long start = System.nanoTime();
                    if (statement.execute()) {
                        try (ResultSet rows = statement.getResultSet()) {
                            while (rows.next()) {
                                rows.getObject(1);
                            }
                        }
                    }
                    latencies.add(System.nanoTime() - start);
                    connection.rollback();
                } while (System.nanoTime() < end && latencies.size() < 100_000);
            }
            latencies.sort(null);
            run.addProperty("calls", latencies.size());
            run.addProperty("p50_ms", AnalyticsBench.millis(latencies, 0.50));
            run.addProperty("p99_ms", AnalyticsBench.millis(latencies, 0.99));
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
        }
        return run;
    }

    static void bind(PreparedStatement statement, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            statement.setObject(i + 1, params.get(i));
        }
    }

    /** What a plan touched: its node types, whether it scanned by index or sequentially, which relations. */
    static final class PlanSummary {
        final java.util.TreeSet<String> nodeTypes = new java.util.TreeSet<>();
        final java.util.Set<String> relations = new java.util.HashSet<>();
        final java.util.Set<String> relationsExecuted = new java.util.HashSet<>();
        int indexScans;
        int seqScans;
        long seqScanRows;
        int subplansRemoved;

        void visit(JsonObject node) {
            String type = node.get("Node Type").getAsString();
            nodeTypes.add(type);
            if (type.contains("Index")) {
                indexScans++;
            }
            if (type.equals("Seq Scan")) {
                seqScans++;
                // both figures are per loop
                double perLoop = node.get("Actual Rows").getAsDouble()
                        + (node.has("Rows Removed by Filter") ? node.get("Rows Removed by Filter").getAsDouble() : 0);
                seqScanRows += Math.round(perLoop * node.get("Actual Loops").getAsDouble());
            }
            if (node.has("Subplans Removed")) {
                subplansRemoved += node.get("Subplans Removed").getAsInt();
            }
            if (node.has("Relation Name")) {
                String relation = node.get("Relation Name").getAsString();
                relations.add(relation);
                if (node.has("Actual Loops") && node.get("Actual Loops").getAsLong() > 0) {
                    relationsExecuted.add(relation);
                }
            }
            if (node.has("Plans")) {
                for (JsonElement child : node.getAsJsonArray("Plans")) {
                    visit(child.getAsJsonObject());
                }
            }
        }
    }

    /**
     * The oldest partition of {@code table} removed by the server's retention pass (a retention that
     * covers exactly that slice), against DELETE of the same rows from the plain copy and the VACUUM
     * that DELETE leaves owed.
     */
    static JsonObject dropAgainstDelete(Connection connection, AppendOnlyTable table, Instant now) throws SQLException {
        String oldest;
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                     + " WHERE i.inhparent = to_regclass('" + table.name() + "') AND c.relname <> '" + table.defaultPartition() + "'"
                     + " ORDER BY c.relname LIMIT 1")) {
            rows.next();
            oldest = rows.getString(1);
        }
        Instant sliceEnd = table.slice().next(table.sliceOf(oldest).orElseThrow());
        long rows = scalar(connection, "SELECT COUNT(*) FROM " + oldest);
        JsonObject result = new JsonObject();
        result.addProperty("table", table.name());
        result.addProperty("partition", oldest);
        result.addProperty("rows", rows);
        long start = System.nanoTime();
        Upkeep upkeep = RetentionSql.of(new Dialect.PostgreSql())
                .keep(connection, table, Duration.between(sliceEnd, now), now);
        result.addProperty("drop_partition_ms", Math.round((System.nanoTime() - start) / 1e5) / 10.0);
        result.addProperty("dropped", String.join(",", upkeep.dropped()));
        String cutoff = "TIMESTAMPTZ '" + sliceEnd + "'";
        start = System.nanoTime();
        long deleted;
        try (Statement statement = connection.createStatement()) {
            deleted = statement.executeUpdate("DELETE FROM plain_" + table.name() + " WHERE " + table.timeColumn() + " < " + cutoff);
        }
        result.addProperty("delete_ms", Math.round((System.nanoTime() - start) / 1e5) / 10.0);
        result.addProperty("deleted_rows", deleted);
        start = System.nanoTime();
        execute(connection, "VACUUM plain_" + table.name());
        result.addProperty("vacuum_after_delete_ms", Math.round((System.nanoTime() - start) / 1e5) / 10.0);
        return result;
    }
}
