package com.finehero.server.tasks;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import com.finehero.api.tasks.v1.Task;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.security.Principal;

/**
 * The queue's hot statements, the ones that differ by database, chosen once when the store is built.
 * {@link H2TaskSql} runs portable SQL (IN lists, JDBC batches); {@link PostgresTaskSql} passes arrays
 * as parameters, inserts many rows in one statement and fixes the plans. Every other statement of
 * {@link JdbcTaskStore} is the same on both.
 */
sealed interface TaskSql permits H2TaskSql, PostgresTaskSql {

    /**
     * The claim's first statement after its columns (the task and who submitted it, the principal its
     * handler runs as: {@link TaskMapper#COLUMNS_WITH_SUBMITTER}), up to its type filter; the due rows in
     * queue order follow.
     */
    String DUE_FROM = " FROM tasks WHERE state IN ('PENDING', 'FAILED') AND run_at <= ?";
    /** The end of the claim's first statement: its order, limit and locking. */
    String DUE_ORDER = " ORDER BY ready_key, seq LIMIT ? FOR UPDATE SKIP LOCKED";

    static TaskSql of(Dialect dialect) {
        return switch (dialect) {
            case Dialect.H2() -> new H2TaskSql();
            case Dialect.PostgreSql() -> new PostgresTaskSql();
        };
    }

    /**
     * Inserts the tasks, skipping any whose id or idempotency key is taken ({@code ON CONFLICT DO
     * NOTHING}); returns, per task, whether it was inserted.
     */
    boolean[] insert(Connection connection, List<TaskStore.NewTask> tasks) throws SQLException;

    /**
     * Locks up to {@code limit} PENDING or FAILED tasks due at {@code now}, in queue order, skipping
     * rows others hold and types in {@code excluded}.
     */
    List<Locked> lockDue(Connection connection, Instant now, Set<String> excluded, int limit) throws SQLException;

    /** Marks tasks {@link #lockDue} locked in this transaction RUNNING under {@code owner}'s lease, one more attempt each. */
    void markRunning(Connection connection, List<Locked> tasks, String owner, Instant leaseUntil, Instant now) throws SQLException;

    /**
     * Writes each outcome whose task {@code owner} still holds in the same attempt; returns, per
     * outcome, whether it was written. Frees the lease of every task written.
     */
    boolean[] finish(Connection connection, String owner, List<Outcome> outcomes) throws SQLException;

    /**
     * A due task the claim holds locked: the task, the principal its handler runs as, and where its row
     * is for the statement that marks it, which the database chooses ({@link PostgresTaskSql} the row's
     * physical address, stable while this transaction holds the row's lock; {@link H2TaskSql} the id).
     */
    record Locked(Task task, Principal submitter, String row) { }

    /**
     * A claimed task's end of an attempt.
     *
     * @param values the new state, run_at, ready_key, result, last_error, progress_percent, progress_message,
     *               cancel_requested, update_time and finish_time, in that order (times as {@code OffsetDateTime})
     */
    record Outcome(String id, int attempts, List<Object> values) { }
}
