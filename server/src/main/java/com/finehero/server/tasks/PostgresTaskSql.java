package com.finehero.server.tasks;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;

/**
 * The queue's hot statements on PostgreSQL: arrays as parameters, so the statement text never
 * changes with the number of rows, multi-row INSERT ... RETURNING, and fixed plans
 * ({@link #INDEX_PLANS_ONLY}).
 */
final class PostgresTaskSql implements TaskSql {

    /**
     * New tasks as arrays, one per column ({@link #columnArrays}), in one statement whatever their number:
     * its text never changes, so one prepared plan serves every batch, and a batch of 500 binds 16 arrays
     * instead of 8,000 parameters. Rows are inserted, and their {@code seq} (queue order among equal keys)
     * numbered, in the arrays' order.
     */
    private static final String INSERT_ARRAYS = TaskMapper.INSERT_TARGET
            + "SELECT id, type, payload, priority, 'PENDING', run_at, ready_key, cron, idempotency_key, max_attempts, backoff_ms, "
            + "create_time, update_time, 1, submitter, submitter_roles, submitter_credential, submitter_scope FROM unnest("
            + "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS text[]), CAST(? AS int2[]), CAST(? AS timestamptz[]), "
            + "CAST(? AS timestamptz[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS int4[]), CAST(? AS int8[]), "
            + "CAST(? AS timestamptz[]), CAST(? AS timestamptz[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
            + "CAST(? AS varchar[])) WITH ORDINALITY AS v(id, type, payload, priority, run_at, ready_key, cron, idempotency_key, "
            + "max_attempts, backoff_ms, create_time, update_time, submitter, submitter_roles, submitter_credential, submitter_scope, n) "
            + "ORDER BY n ON CONFLICT DO NOTHING RETURNING id";
    /** Element types of the {@link #INSERT_ARRAYS} parameters, {@link TaskMapper#insertValues} in order; times as text. */
    private static final String[] INSERT_TYPES = {"varchar", "varchar", "text", "int2", "text", "text", "varchar", "varchar", "int4",
        "int8", "text", "text", "varchar", "varchar", "varchar", "varchar"};
    /**
     * The plans the queue statements must have, whatever the statistics say. A queue table's
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
    /**
     * Marks the rows the claim locked by their physical address ({@code ctid}), which holds while this
     * transaction holds their locks: a TID scan, where their ids would cost a descent of the primary key
     * each.
     */
    private static final String CLAIM_MARK = "UPDATE tasks SET state = 'RUNNING', attempts = attempts + 1, lease_owner = ?, "
            + "lease_until = ?, start_time = ?, update_time = ?, version = version + 1 WHERE ctid = ANY (CAST(? AS tid[]))";
    /** Locks the rows a finish writes, found by id (an update since the claim, a heartbeat say, moved them) and in id order. */
    private static final String LOCK_FOR_FINISH =
            "SELECT id, state, lease_owner, attempts, ctid FROM tasks WHERE id = ANY (CAST(? AS varchar[])) ORDER BY id FOR UPDATE";
    /**
     * Every outcome of a batch in one UPDATE joined to its columns passed as arrays, so the statement
     * text never changes. Only rows this claim still holds are passed (locked and checked first), by the
     * address the lock found them at: a condition on state or owner here would give the planner another
     * way in, and the address needs no index.
     */
    private static final String FINISH_ARRAYS = "UPDATE tasks t SET state = v.state, run_at = v.run_at, ready_key = v.ready_key, "
            + "result = v.result, last_error = v.last_error, progress_percent = v.progress_percent, "
            + "progress_message = v.progress_message, cancel_requested = v.cancel_requested, update_time = v.update_time, "
            + "finish_time = v.finish_time, lease_owner = NULL, lease_until = NULL, version = t.version + 1 "
            + "FROM unnest(CAST(? AS varchar[]), CAST(? AS timestamptz[]), CAST(? AS timestamptz[]), CAST(? AS text[]), "
            + "CAST(? AS varchar[]), CAST(? AS int[]), CAST(? AS varchar[]), CAST(? AS boolean[]), CAST(? AS timestamptz[]), "
            + "CAST(? AS timestamptz[]), CAST(? AS tid[])) "
            + "AS v(state, run_at, ready_key, result, last_error, progress_percent, progress_message, cancel_requested, "
            + "update_time, finish_time, row_address) "
            + "WHERE t.ctid = v.row_address";
    /** Element types of the {@link #FINISH_ARRAYS} parameters: an outcome's values, then its row's address (as text). */
    private static final String[] FINISH_TYPES = {"varchar", "text", "text", "text", "varchar", "int4", "varchar", "bool", "text", "text", "varchar"};

    @Override
    public boolean[] insert(Connection connection, List<TaskStore.NewTask> tasks) throws SQLException {
        Set<String> ids = new HashSet<>(Sql.list(connection, INSERT_ARRAYS,
                columnArrays(connection, INSERT_TYPES, tasks.stream().map(TaskMapper::insertValues).toList()), row -> row.getString(1)));
        boolean[] inserted = new boolean[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            inserted[i] = ids.contains(tasks.get(i).id());
        }
        return inserted;
    }

    @Override
    public List<Locked> lockDue(Connection connection, Instant now, Set<String> excluded, int limit) throws SQLException {
        indexPlansOnly(connection);
        String select = "SELECT ctid, " + TaskMapper.COLUMNS_WITH_SUBMITTER + DUE_FROM;
        Sql.RowMapper<Locked> locked = row -> new Locked(TaskMapper.task(row), TaskMapper.submitter(row), row.getString("ctid"));
        if (excluded.isEmpty()) {
            return Sql.list(connection, select + DUE_ORDER, List.of(now, limit), locked);
        }
        return Sql.list(connection, select + " AND type <> ALL (CAST(? AS varchar[]))" + DUE_ORDER,
                List.of(now, varchars(connection, excluded), limit), locked);
    }

    @Override
    public void markRunning(Connection connection, List<Locked> tasks, String owner, Instant leaseUntil, Instant now) throws SQLException {
        int marked = Sql.update(connection, CLAIM_MARK, List.of(owner, leaseUntil, now, now,
                varchars(connection, tasks.stream().map(Locked::row).toList())));
        requireAll(marked, tasks.size(), "claimed");
    }

    @Override
    public boolean[] finish(Connection connection, String owner, List<Outcome> outcomes) throws SQLException {
        indexPlansOnly(connection);
        // the attempt each row is in, if this owner still holds it (checked here, not in SQL: see FINISH_ARRAYS)
        Map<String, Lease> held = new HashMap<>();
        List<Lease> leases = Sql.list(connection, LOCK_FOR_FINISH,
                List.of(varchars(connection, outcomes.stream().map(Outcome::id).toList())),
                row -> new Lease(row.getString(1), row.getString(2), row.getString(3), row.getInt(4), row.getString(5)));
        for (Lease lease : leases) {
            if ("RUNNING".equals(lease.state()) && owner.equals(lease.owner())) {
                held.put(lease.id(), lease);
            }
        }
        boolean[] applied = new boolean[outcomes.size()];
        List<Outcome> writable = new ArrayList<>(outcomes.size());
        List<String> rows = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            Lease lease = held.get(outcome.id());
            applied[i] = lease != null && lease.attempts() == outcome.attempts();
            if (applied[i]) {
                writable.add(outcome);
                rows.add(lease.row());
            }
        }
        if (writable.isEmpty()) {
            return applied;
        }
        List<List<Object>> rowsWritten = new ArrayList<>(writable.size());
        for (int i = 0; i < writable.size(); i++) {
            rowsWritten.add(Sql.concat(writable.get(i).values(), List.of(rows.get(i))));
        }
        List<Object> arrays = columnArrays(connection, FINISH_TYPES, rowsWritten);
        requireAll(Sql.update(connection, FINISH_ARRAYS, arrays), writable.size(), "finished");
        return applied;
    }

    /** A row as {@link #LOCK_FOR_FINISH} found it, and where. */
    private record Lease(String id, String state, String owner, int attempts, String row) { }

    /**
     * A row locked in this transaction keeps its address until the transaction ends; fewer rows
     * written than locked would mean it did not, and the transaction must not commit.
     */
    private static void requireAll(int written, int locked, String what) throws SQLException {
        if (written != locked) {
            throw new SQLException(what + " " + written + " of the " + locked + " task rows locked for it; rolling back", "40001");
        }
    }

    /**
     * Rows as one array per column, of the given element types, for a statement that unnests them. Times
     * travel as ISO-8601 text, truncated to the microseconds PostgreSQL keeps, which it reads as timestamptz.
     */
    private static List<Object> columnArrays(Connection connection, String[] types, List<List<Object>> rows) throws SQLException {
        Object[][] columns = new Object[types.length][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            List<Object> values = rows.get(i);
            for (int c = 0; c < values.size(); c++) {
                columns[c][i] = switch (values.get(c)) {
                    case Instant time -> Times.toSql(time).toString();
                    case OffsetDateTime time -> time.toString();
                    case null, default -> values.get(c);
                };
            }
        }
        List<Object> arrays = new ArrayList<>(types.length);
        for (int c = 0; c < types.length; c++) {
            arrays.add(connection.createArrayOf(types[c], columns[c]));
        }
        return arrays;
    }

    private static Array varchars(Connection connection, Collection<String> values) throws SQLException {
        return connection.createArrayOf("varchar", values.toArray());
    }

    private static void indexPlansOnly(Connection connection) throws SQLException {
        try (Statement plans = connection.createStatement()) {
            plans.execute(INDEX_PLANS_ONLY);
        }
    }
}
