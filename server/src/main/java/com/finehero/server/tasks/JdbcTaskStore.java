package com.finehero.server.tasks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import com.finehero.api.tasks.v1.QueueDepth;
import com.finehero.api.tasks.v1.QueueStats;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskPriority;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * {@link TaskStore} on PostgreSQL or H2 through plain JDBC; the same statements run on both (H2 2.x has
 * {@code FOR UPDATE SKIP LOCKED} and, in PostgreSQL mode, {@code ON CONFLICT DO NOTHING}) except on the
 * hot paths, where PostgreSQL gets array parameters and fixed plans (see {@link #INDEX_PLANS_ONLY}). A claim is
 * two statements in one transaction: lock the due rows in queue order, skipping locked ones, then
 * mark those admitted RUNNING. The rows it does not admit are unlocked at commit, untouched.
 */
public final class JdbcTaskStore implements TaskStore {

    static final String COLUMNS = "id, type, payload, priority, state, run_at, cron, idempotency_key, attempts, "
            + "max_attempts, backoff_ms, lease_owner, cancel_requested, progress_percent, progress_message, result, "
            + "last_error, create_time, update_time, start_time, finish_time, version";
    private static final String INSERT = "INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, cron, "
            + "idempotency_key, max_attempts, backoff_ms, create_time, update_time, version) "
            + "VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING";
    private static final String VALUES = "(?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, 1)";
    /**
     * PostgreSQL: every outcome of a batch in one UPDATE joined by primary key to its columns passed as
     * arrays, so the statement text never changes. Only rows this claim still holds are passed (locked and
     * checked first): a condition on state or owner here would give the planner another way in.
     */
    private static final String FINISH_ARRAYS = "UPDATE tasks t SET state = v.state, run_at = v.run_at, ready_key = v.ready_key, "
            + "result = v.result, last_error = v.last_error, progress_percent = v.progress_percent, "
            + "progress_message = v.progress_message, cancel_requested = v.cancel_requested, update_time = v.update_time, "
            + "finish_time = v.finish_time, lease_owner = NULL, lease_until = NULL, version = t.version + 1 "
            + "FROM unnest(CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS timestamptz[]), CAST(? AS text[]), "
            + "CAST(? AS varchar[]), CAST(? AS int[]), CAST(? AS varchar[]), CAST(? AS boolean[]), CAST(? AS timestamptz[]), "
            + "CAST(? AS timestamptz[]), CAST(? AS varchar[])) "
            + "AS v(state, run_at, ready_key, result, last_error, progress_percent, progress_message, cancel_requested, "
            + "update_time, finish_time, id) "
            + "WHERE t.id = v.id";
    /**
     * PostgreSQL: the plans the queue statements must have, whatever the statistics say. A queue table's
     * statistics are stale by nature (thousands of rows change state a second, and a new table has none),
     * and with them the planner picks a sort of every due row for a claim, or a scan of the whole table
     * for a handful of ids; measured in src/bench/tasks-throughput.sh, that cost up to a second a
     * statement. The claim must walk the queue-order index and stop at its limit; the updates must find
     * their rows by primary key; every plan is made for the values at hand, never cached from a time the
     * table was small. Scoped to the transaction.
     */
    private static final String INDEX_PLANS_ONLY = "SET LOCAL plan_cache_mode = force_custom_plan; "
            + "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
            + "SET LOCAL enable_sort = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";
    private static final String CLAIM_MARK_ARRAY = "UPDATE tasks SET state = 'RUNNING', attempts = attempts + 1, lease_owner = ?, "
            + "lease_until = ?, start_time = ?, update_time = ?, version = version + 1 WHERE id = ANY (CAST(? AS varchar[]))";
    private static final String FINISH = "UPDATE tasks SET state = ?, run_at = ?, ready_key = ?, result = ?, last_error = ?, "
            + "progress_percent = ?, progress_message = ?, cancel_requested = ?, update_time = ?, finish_time = ?, "
            + "lease_owner = NULL, lease_until = NULL, version = version + 1 "
            + "WHERE id = ? AND state = 'RUNNING' AND lease_owner = ? AND attempts = ?";

    private final Database db;
    private final TaskRules rules;
    /**
     * PostgreSQL takes arrays as parameters, multi-row INSERT ... RETURNING and planner settings; H2 gets
     * the portable statements (JDBC batches, IN lists).
     */
    private final boolean postgres;

    public JdbcTaskStore(Database db, TaskRules rules) {
        this.db = Objects.requireNonNull(db, "db");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.postgres = db.dialect() instanceof com.finehero.server.platform.db.Dialect.PostgreSql;
    }

    Database database() {
        return db;
    }

    @Override
    public Task enqueue(Connection connection, NewTask task) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            bindInsert(insert, task);
            if (insert.executeUpdate() == 1) {
                return inserted(task);
            }
        }
        return existing(connection, task);
    }

    @Override
    public List<Task> submit(List<NewTask> tasks) {
        return db.inTransaction(connection -> {
            boolean[] inserted = postgres ? insertReturning(connection, tasks) : insertBatch(connection, tasks);
            List<Task> result = new ArrayList<>(tasks.size());
            for (int i = 0; i < tasks.size(); i++) {
                result.add(inserted[i] ? inserted(tasks.get(i)) : existing(connection, tasks.get(i)));
            }
            return result;
        });
    }

    /** H2: one statement per task, sent as a JDBC batch. */
    private static boolean[] insertBatch(Connection connection, List<NewTask> tasks) throws SQLException {
        int[] counts;
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (NewTask task : tasks) {
                bindInsert(insert, task);
                insert.addBatch();
            }
            counts = insert.executeBatch();
        }
        boolean[] inserted = new boolean[tasks.size()];
        for (int i = 0; i < counts.length; i++) {
            inserted[i] = counts[i] != 0;
        }
        return inserted;
    }

    /** PostgreSQL: one multi-row INSERT ... RETURNING id per 500 tasks (a JDBC batch runs 500 statements). */
    private static boolean[] insertReturning(Connection connection, List<NewTask> tasks) throws SQLException {
        boolean[] inserted = new boolean[tasks.size()];
        for (int from = 0; from < tasks.size(); from += 500) {
            List<NewTask> chunk = tasks.subList(from, Math.min(tasks.size(), from + 500));
            String sql = INSERT.substring(0, INSERT.indexOf("VALUES (") + 7)
                    + String.join(", ", Collections.nCopies(chunk.size(), VALUES)) + " ON CONFLICT DO NOTHING RETURNING id";
            Set<String> ids = new java.util.HashSet<>();
            try (PreparedStatement insert = connection.prepareStatement(sql)) {
                int offset = 0;
                for (NewTask task : chunk) {
                    bindInsert(insert, offset, task);
                    offset += 12;
                }
                try (ResultSet rows = insert.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
            }
            for (int i = 0; i < chunk.size(); i++) {
                inserted[from + i] = ids.contains(chunk.get(i).id());
            }
        }
        return inserted;
    }

    private Task existing(Connection connection, NewTask task) throws SQLException {
        if (task.idempotencyKey() == null) {
            throw new SQLException("task " + task.id() + " was not inserted", "23505");
        }
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM tasks WHERE idempotency_key = ?")) {
            select.setString(1, task.idempotencyKey());
            List<Task> found = read(select);
            if (found.isEmpty()) {
                throw new SQLException("idempotency key " + task.idempotencyKey() + " conflicts but is not visible", "40001");
            }
            return found.getFirst();
        }
    }

    private static void bindInsert(PreparedStatement insert, NewTask task) throws SQLException {
        bindInsert(insert, 0, task);
    }

    private static void bindInsert(PreparedStatement insert, int offset, NewTask task) throws SQLException {
        insert.setString(offset + 1, task.id());
        insert.setString(offset + 2, task.type());
        insert.setString(offset + 3, task.payloadJson());
        insert.setInt(offset + 4, task.priority());
        insert.setObject(offset + 5, Times.toSql(task.runAt()));
        insert.setObject(offset + 6, Times.toSql(task.readyKey()));
        insert.setString(offset + 7, task.cron());
        insert.setString(offset + 8, task.idempotencyKey());
        insert.setInt(offset + 9, task.maxAttempts());
        insert.setLong(offset + 10, task.backoffMs());
        insert.setObject(offset + 11, Times.toSql(task.now()));
        insert.setObject(offset + 12, Times.toSql(task.now()));
    }

    private static Task inserted(NewTask task) {
        Task.Builder built = Task.newBuilder()
                .setId(task.id())
                .setType(task.type())
                .setPayload(TaskRules.struct(task.payloadJson()))
                .setPriority(TaskPriority.forNumber(task.priority()))
                .setState(TaskState.TASK_STATE_PENDING)
                .setRunAt(Times.toProto(Times.truncate(task.runAt())))
                .setMaxAttempts(task.maxAttempts())
                .setRetryBackoff(duration(task.backoffMs()))
                .setCreateTime(Times.toProto(Times.truncate(task.now())))
                .setUpdateTime(Times.toProto(Times.truncate(task.now())))
                .setVersion(1);
        if (task.cron() != null) {
            built.setCron(task.cron());
        }
        if (task.idempotencyKey() != null) {
            built.setIdempotencyKey(task.idempotencyKey());
        }
        return built.build();
    }

    @Override
    public Optional<Task> find(String id) {
        return db.read(connection -> Optional.ofNullable(select(connection, id, false)));
    }

    @Override
    public List<Task> list(TaskQuery query, int limit) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (!query.type().isEmpty()) {
            where.add("type = ?");
            params.add(query.type());
        }
        if (!query.states().isEmpty()) {
            where.add("state IN (" + String.join(", ", Collections.nCopies(query.states().size(), "?")) + ")");
            query.states().forEach(s -> params.add(TaskRules.name(s)));
        }
        if (query.priority() > 0) {
            where.add("priority = ?");
            params.add(query.priority());
        }
        if (query.after() != null) {
            where.add("(create_time < ? OR (create_time = ? AND id < ?))");
            params.add(Times.toSql(query.after().createTime()));
            params.add(Times.toSql(query.after().createTime()));
            params.add(query.after().id());
        }
        String sql = "SELECT " + COLUMNS + " FROM tasks" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY create_time DESC, id DESC LIMIT ?";
        params.add(limit);
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                bind(select, params);
                return read(select);
            }
        });
    }

    @Override
    public List<Task> claim(String owner, Instant now, Instant leaseUntil, int limit, Set<String> excluded, Predicate<Task> admit) {
        String sql = "SELECT " + COLUMNS + " FROM tasks WHERE state IN ('PENDING', 'FAILED') AND run_at <= ?"
                + (excluded.isEmpty() ? "" : postgres ? " AND type <> ALL (CAST(? AS varchar[]))"
                        : " AND type NOT IN (" + String.join(", ", Collections.nCopies(excluded.size(), "?")) + ")")
                + " ORDER BY ready_key, seq LIMIT ? FOR UPDATE SKIP LOCKED";
        return db.inTransaction(connection -> {
            if (postgres) {
                indexPlansOnly(connection);
            }
            List<Task> candidates;
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                int i = 1;
                select.setObject(i++, Times.toSql(now));
                if (postgres && !excluded.isEmpty()) {
                    select.setArray(i++, connection.createArrayOf("varchar", excluded.toArray()));
                } else {
                    for (String type : excluded) {
                        select.setString(i++, type);
                    }
                }
                select.setInt(i, limit);
                candidates = read(select);
            }
            List<Task> claimed = new ArrayList<>(candidates.size());
            for (Task candidate : candidates) {
                if (admit.test(candidate)) {
                    claimed.add(candidate.toBuilder()
                            .setState(TaskState.TASK_STATE_RUNNING)
                            .setAttempts(candidate.getAttempts() + 1)
                            .setWorker(owner)
                            .setStartTime(Times.toProto(now))
                            .setUpdateTime(Times.toProto(now))
                            .setVersion(candidate.getVersion() + 1)
                            .build());
                }
            }
            if (!claimed.isEmpty()) {
                String update = postgres ? CLAIM_MARK_ARRAY
                        : "UPDATE tasks SET state = 'RUNNING', attempts = attempts + 1, lease_owner = ?, lease_until = ?, "
                        + "start_time = ?, update_time = ?, version = version + 1 WHERE id IN ("
                        + String.join(", ", Collections.nCopies(claimed.size(), "?")) + ")";
                try (PreparedStatement mark = connection.prepareStatement(update)) {
                    mark.setString(1, owner);
                    mark.setObject(2, Times.toSql(leaseUntil));
                    mark.setObject(3, Times.toSql(now));
                    mark.setObject(4, Times.toSql(now));
                    if (postgres) {
                        mark.setArray(5, connection.createArrayOf("varchar", claimed.stream().map(Task::getId).toArray()));
                    } else {
                        int i = 5;
                        for (Task task : claimed) {
                            mark.setString(i++, task.getId());
                        }
                    }
                    mark.executeUpdate();
                }
            }
            return claimed;
        });
    }

    @Override
    public boolean[] finish(String owner, List<Task> outcomes) {
        return db.inTransaction(connection -> finish(connection, owner, outcomes));
    }

    private boolean[] finish(Connection connection, String owner, List<Task> outcomes) throws SQLException {
        boolean[] applied = new boolean[outcomes.size()];
        if (outcomes.isEmpty()) {
            return applied;
        }
        if (postgres) {
            finishReturning(connection, owner, outcomes, applied);
        } else {
            int[] counts;
            try (PreparedStatement update = connection.prepareStatement(FINISH)) {
                for (Task task : outcomes) {
                    int i = bindOutcome(update, 0, task);
                    update.setString(i + 1, task.getId());
                    update.setString(i + 2, owner);
                    update.setInt(i + 3, task.getAttempts());
                    update.addBatch();
                }
                counts = update.executeBatch();
            }
            for (int i = 0; i < counts.length; i++) {
                applied[i] = counts[i] != 0;
            }
        }
        List<NewTask> next = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            Task task = outcomes.get(i);
            if (applied[i] && !task.getCron().isEmpty()
                    && (task.getState() == TaskState.TASK_STATE_SUCCEEDED || task.getState() == TaskState.TASK_STATE_DEAD)) {
                next.add(rules.nextOccurrence(task));
            }
        }
        for (NewTask task : next) {
            enqueue(connection, task);
        }
        return applied;
    }

    private void finishReturning(Connection connection, String owner, List<Task> outcomes, boolean[] applied) throws SQLException {
        indexPlansOnly(connection);
        // the attempt each row is in, if this owner still holds it (checked here, not in SQL: see FINISH_ARRAYS)
        Map<String, Integer> held = new HashMap<>();
        try (PreparedStatement lock = connection.prepareStatement(
                "SELECT id, state, lease_owner, attempts FROM tasks WHERE id = ANY (CAST(? AS varchar[])) ORDER BY id FOR UPDATE")) {
            lock.setArray(1, connection.createArrayOf("varchar", outcomes.stream().map(Task::getId).toArray()));
            try (ResultSet rows = lock.executeQuery()) {
                while (rows.next()) {
                    if ("RUNNING".equals(rows.getString(2)) && owner.equals(rows.getString(3))) {
                        held.put(rows.getString(1), rows.getInt(4));
                    }
                }
            }
        }
        List<Task> writable = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            Task task = outcomes.get(i);
            applied[i] = Objects.equals(held.get(task.getId()), task.getAttempts());
            if (applied[i]) {
                writable.add(task);
            }
        }
        if (writable.isEmpty()) {
            return;
        }
        int n = writable.size();
        Object[][] columns = new Object[11][n];
        for (int i = 0; i < n; i++) {
            Object[] values = outcomeValues(writable.get(i));
            for (int c = 0; c < 10; c++) {
                // array elements travel as text; PostgreSQL reads ISO-8601 as timestamptz
                columns[c][i] = values[c] instanceof OffsetDateTime time ? time.toString() : values[c];
            }
            columns[10][i] = writable.get(i).getId();
        }
        String[] types = {"varchar", "text", "text", "text", "varchar", "int4", "varchar", "bool", "text", "text", "varchar"};
        try (PreparedStatement update = connection.prepareStatement(FINISH_ARRAYS)) {
            for (int c = 0; c < columns.length; c++) {
                update.setArray(c + 1, connection.createArrayOf(types[c], columns[c]));
            }
            update.executeUpdate();
        }
    }

    private static void indexPlansOnly(Connection connection) throws SQLException {
        try (Statement plans = connection.createStatement()) {
            plans.execute(INDEX_PLANS_ONLY);
        }
    }

    /**
     * An outcome's ten new column values, in the order of {@link #FINISH}: state, run_at, ready_key,
     * result, last_error, progress_percent, progress_message, cancel_requested, update_time, finish_time.
     */
    private Object[] outcomeValues(Task task) {
        return new Object[] {
                TaskRules.name(task.getState()),
                Times.toSql(task.getRunAt()),
                Times.toSql(rules.readyKey(Times.toInstant(task.getRunAt()), TaskRules.level(task.getPriority()))),
                task.hasResult() ? TaskRules.json(task.getResult()) : null,
                truncate(task.getLastError(), 2000),
                task.getProgressPercent(),
                truncate(task.getProgressMessage(), 500),
                task.getCancelRequested(),
                Times.toSql(task.getUpdateTime()),
                task.hasFinishTime() ? Times.toSql(task.getFinishTime()) : null,
        };
    }

    /** Binds an outcome's ten new column values from {@code offset + 1}; returns the last index bound. */
    private int bindOutcome(PreparedStatement update, int offset, Task task) throws SQLException {
        Object[] values = outcomeValues(task);
        for (int c = 0; c < values.length; c++) {
            if (values[c] == null) {
                update.setNull(offset + c + 1, c == 9 ? Types.TIMESTAMP_WITH_TIMEZONE : Types.VARCHAR);
            } else {
                update.setObject(offset + c + 1, values[c]);
            }
        }
        return offset + values.length;
    }

    @Override
    public boolean progress(Task running, Instant now) {
        return db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE tasks SET progress_percent = ?, "
                    + "progress_message = ?, update_time = ?, version = version + 1 "
                    + "WHERE id = ? AND state = 'RUNNING' AND lease_owner = ? AND attempts = ?")) {
                update.setInt(1, running.getProgressPercent());
                update.setString(2, truncate(running.getProgressMessage(), 500));
                update.setObject(3, Times.toSql(now));
                update.setString(4, running.getId());
                update.setString(5, running.getWorker());
                update.setInt(6, running.getAttempts());
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public int heartbeat(String owner, Instant leaseUntil) {
        return db.inTransaction(connection -> {
            // a row locked now is being finished or rescued, and needs no longer lease; skipping it keeps the
            // heartbeat from ever waiting on (or deadlocking with) those batches, which lock in their own order
            try (PreparedStatement update = connection.prepareStatement("UPDATE tasks SET lease_until = ? WHERE id IN "
                    + "(SELECT id FROM tasks WHERE lease_owner = ? AND state = 'RUNNING' FOR UPDATE SKIP LOCKED)")) {
                update.setObject(1, Times.toSql(leaseUntil));
                update.setString(2, owner);
                return update.executeUpdate();
            }
        });
    }

    @Override
    public Map<String, Long> cancelRequested(String owner) {
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, version FROM tasks WHERE lease_owner = ? AND state = 'RUNNING' AND cancel_requested = TRUE")) {
                select.setString(1, owner);
                Map<String, Long> ids = new HashMap<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.put(rows.getString(1), rows.getLong(2));
                    }
                }
                return ids;
            }
        });
    }

    @Override
    public Task cancel(String id, Instant now) {
        return db.inTransaction(connection -> {
            Task current = require(connection, id);
            Task changed = switch (current.getState()) {
                case TASK_STATE_PENDING, TASK_STATE_FAILED -> current.toBuilder()
                        .setState(TaskState.TASK_STATE_CANCELLED)
                        .setFinishTime(Times.toProto(now))
                        .build();
                case TASK_STATE_RUNNING -> current.getCancelRequested() ? null : current.toBuilder().setCancelRequested(true).build();
                default -> throw rules.cannotCancel(current);
            };
            if (changed == null) {
                return current;
            }
            changed = changed.toBuilder().setUpdateTime(Times.toProto(now)).setVersion(current.getVersion() + 1).build();
            try (PreparedStatement update = connection.prepareStatement("UPDATE tasks SET state = ?, cancel_requested = ?, "
                    + "finish_time = ?, update_time = ?, version = ? WHERE id = ?")) {
                update.setString(1, TaskRules.name(changed.getState()));
                update.setBoolean(2, changed.getCancelRequested());
                if (changed.hasFinishTime()) {
                    update.setObject(3, Times.toSql(changed.getFinishTime()));
                } else {
                    update.setNull(3, Types.TIMESTAMP_WITH_TIMEZONE);
                }
                update.setObject(4, Times.toSql(now));
                update.setLong(5, changed.getVersion());
                update.setString(6, id);
                update.executeUpdate();
            }
            return changed;
        });
    }

    @Override
    public Task retry(String id, Instant now) {
        return db.inTransaction(connection -> {
            Task current = require(connection, id);
            if (current.getState() != TaskState.TASK_STATE_DEAD) {
                throw rules.cannotRetry(current);
            }
            Task changed = current.toBuilder()
                    .setState(TaskState.TASK_STATE_PENDING)
                    .setAttempts(0)
                    .setRunAt(Times.toProto(now))
                    .clearFinishTime()
                    .setUpdateTime(Times.toProto(now))
                    .setVersion(current.getVersion() + 1)
                    .build();
            try (PreparedStatement update = connection.prepareStatement("UPDATE tasks SET state = 'PENDING', attempts = 0, "
                    + "run_at = ?, ready_key = ?, finish_time = NULL, update_time = ?, version = ? WHERE id = ?")) {
                update.setObject(1, Times.toSql(now));
                update.setObject(2, Times.toSql(rules.readyKey(now, TaskRules.level(current.getPriority()))));
                update.setObject(3, Times.toSql(now));
                update.setLong(4, changed.getVersion());
                update.setString(5, id);
                update.executeUpdate();
            }
            return changed;
        });
    }

    @Override
    public List<Task> rescue(Instant now, int limit) {
        return db.inTransaction(connection -> {
            List<Task> expired;
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM tasks "
                    + "WHERE state = 'RUNNING' AND lease_until < ? ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED")) {
                select.setObject(1, Times.toSql(now));
                select.setInt(2, limit);
                expired = read(select);
            }
            List<Task> rescued = new ArrayList<>();
            // group by owner: the finish statement is conditioned on the claim that expired
            for (Task task : expired) {
                String lost = "worker " + task.getWorker() + " lost its lease (stopped or crashed) during attempt " + task.getAttempts();
                Task.Builder next = task.toBuilder().setUpdateTime(Times.toProto(now)).setVersion(task.getVersion() + 1);
                if (task.getCancelRequested()) {
                    next.setState(TaskState.TASK_STATE_CANCELLED).setFinishTime(Times.toProto(now));
                } else if (task.getAttempts() >= task.getMaxAttempts()) {
                    next.setState(TaskState.TASK_STATE_DEAD).setFinishTime(Times.toProto(now)).setLastError(lost);
                } else {
                    next.setState(TaskState.TASK_STATE_PENDING).setLastError(lost);
                }
                Task outcome = next.build();
                if (finish(connection, task.getWorker(), List.of(outcome))[0]) {
                    rescued.add(outcome.toBuilder().clearWorker().build());
                }
            }
            return rescued;
        });
    }

    @Override
    public int release(String owner, Instant now) {
        return db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE tasks SET state = 'PENDING', lease_owner = NULL, "
                    + "lease_until = NULL, update_time = ?, version = version + 1 WHERE lease_owner = ? AND state = 'RUNNING'")) {
                update.setObject(1, Times.toSql(now));
                update.setString(2, owner);
                return update.executeUpdate();
            }
        });
    }

    @Override
    public int deleteFinished(Instant cutoff) {
        return db.inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM tasks WHERE state IN ('SUCCEEDED', 'CANCELLED') AND finish_time < ?")) {
                delete.setObject(1, Times.toSql(cutoff));
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public QueueStats stats(String type, Instant now) {
        String typeFilter = type.isEmpty() ? "" : " AND type = ?";
        return db.read(connection -> {
            QueueStats.Builder stats = QueueStats.newBuilder();
            try (PreparedStatement select = connection.prepareStatement("SELECT priority, state, COUNT(*) AS n FROM tasks WHERE 1 = 1"
                    + typeFilter + " GROUP BY priority, state ORDER BY priority DESC, state")) {
                if (!type.isEmpty()) {
                    select.setString(1, type);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        TaskState state = TaskRules.state(rows.getString("state"));
                        long count = rows.getLong("n");
                        stats.addDepths(QueueDepth.newBuilder()
                                .setPriority(TaskPriority.forNumber(rows.getInt("priority")))
                                .setState(state)
                                .setCount(count));
                        if (state == TaskState.TASK_STATE_DEAD) {
                            stats.setDeadCount(stats.getDeadCount() + count);
                        }
                    }
                }
            }
            Instant minuteAgo = now.minusSeconds(60);
            try (PreparedStatement select = connection.prepareStatement("SELECT "
                    + "SUM(CASE WHEN state = 'SUCCEEDED' AND finish_time >= ? THEN 1 ELSE 0 END) AS succeeded, "
                    + "SUM(CASE WHEN state IN ('FAILED', 'DEAD') AND update_time >= ? THEN 1 ELSE 0 END) AS failed, "
                    + "MIN(CASE WHEN state IN ('PENDING', 'FAILED') AND run_at <= ? THEN run_at END) AS oldest "
                    + "FROM tasks WHERE (finish_time >= ? OR update_time >= ? OR state IN ('PENDING', 'FAILED'))" + typeFilter)) {
                select.setObject(1, Times.toSql(minuteAgo));
                select.setObject(2, Times.toSql(minuteAgo));
                select.setObject(3, Times.toSql(now));
                select.setObject(4, Times.toSql(minuteAgo));
                select.setObject(5, Times.toSql(minuteAgo));
                if (!type.isEmpty()) {
                    select.setString(6, type);
                }
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    stats.setSucceededPerSecond(rows.getLong("succeeded") / 60.0);
                    stats.setFailedPerSecond(rows.getLong("failed") / 60.0);
                    OffsetDateTime oldest = rows.getObject("oldest", OffsetDateTime.class);
                    if (oldest != null) {
                        Duration age = Duration.between(oldest.toInstant(), now);
                        stats.setOldestPendingAge(com.google.protobuf.Duration.newBuilder()
                                .setSeconds(age.getSeconds()).setNanos(age.getNano()));
                    }
                }
            }
            return stats.build();
        });
    }

    private Task require(Connection connection, String id) throws SQLException {
        Task task = select(connection, id, true);
        if (task == null) {
            throw FineHeroException.notFound("task", id);
        }
        return task;
    }

    private static Task select(Connection connection, String id, boolean lock) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM tasks WHERE id = ?" + (lock ? " FOR UPDATE" : ""))) {
            select.setString(1, id);
            List<Task> found = read(select);
            return found.isEmpty() ? null : found.getFirst();
        }
    }

    private static List<Task> read(PreparedStatement select) throws SQLException {
        List<Task> tasks = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                tasks.add(map(rows));
            }
        }
        return tasks;
    }

    static Task map(ResultSet row) throws SQLException {
        Task.Builder task = Task.newBuilder()
                .setId(row.getString("id"))
                .setType(row.getString("type"))
                .setPayload(TaskRules.struct(row.getString("payload")))
                .setPriority(TaskPriority.forNumber(row.getInt("priority")))
                .setState(TaskRules.state(row.getString("state")))
                .setRunAt(Times.fromSql(row.getObject("run_at", OffsetDateTime.class)))
                .setAttempts(row.getInt("attempts"))
                .setMaxAttempts(row.getInt("max_attempts"))
                .setRetryBackoff(duration(row.getLong("backoff_ms")))
                .setCancelRequested(row.getBoolean("cancel_requested"))
                .setProgressPercent(row.getInt("progress_percent"))
                .setProgressMessage(row.getString("progress_message"))
                .setLastError(row.getString("last_error"))
                .setCreateTime(Times.fromSql(row.getObject("create_time", OffsetDateTime.class)))
                .setUpdateTime(Times.fromSql(row.getObject("update_time", OffsetDateTime.class)))
                .setVersion(row.getLong("version"));
        String cron = row.getString("cron");
        if (cron != null) {
            task.setCron(cron);
        }
        String key = row.getString("idempotency_key");
        if (key != null) {
            task.setIdempotencyKey(key);
        }
        String owner = row.getString("lease_owner");
        if (owner != null) {
            task.setWorker(owner);
        }
        String result = row.getString("result");
        if (result != null) {
            task.setResult(TaskRules.struct(result));
        }
        OffsetDateTime start = row.getObject("start_time", OffsetDateTime.class);
        if (start != null) {
            task.setStartTime(Times.fromSql(start));
        }
        OffsetDateTime finish = row.getObject("finish_time", OffsetDateTime.class);
        if (finish != null) {
            task.setFinishTime(Times.fromSql(finish));
        }
        return task.build();
    }

    private static com.google.protobuf.Duration duration(long millis) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    private static void bind(PreparedStatement statement, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            statement.setObject(i + 1, params.get(i));
        }
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
