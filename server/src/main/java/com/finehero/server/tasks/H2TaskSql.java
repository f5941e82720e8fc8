package com.finehero.server.tasks;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import com.finehero.server.platform.db.Sql;

/** The queue's hot statements in portable SQL: IN lists for sets of values, JDBC batches for many rows. */
final class H2TaskSql implements TaskSql {

    private static final String MARK_RUNNING = "UPDATE tasks SET state = 'RUNNING', attempts = attempts + 1, lease_owner = ?, "
            + "lease_until = ?, start_time = ?, update_time = ?, version = version + 1 WHERE id IN ";
    /** One outcome, written only while the claim that ran it still holds the task. */
    private static final String FINISH = "UPDATE tasks SET state = ?, run_at = ?, ready_key = ?, result = ?, last_error = ?, "
            + "progress_percent = ?, progress_message = ?, cancel_requested = ?, update_time = ?, finish_time = ?, "
            + "lease_owner = NULL, lease_until = NULL, version = version + 1 "
            + "WHERE id = ? AND state = 'RUNNING' AND lease_owner = ? AND attempts = ?";

    @Override
    public boolean[] insert(Connection connection, List<TaskStore.NewTask> tasks) throws SQLException {
        return Sql.batch(connection, TaskMapper.INSERT, tasks.stream().map(TaskMapper::insertValues).toList());
    }

    @Override
    public List<Locked> lockDue(Connection connection, Instant now, Set<String> excluded, int limit) throws SQLException {
        String notExcluded = excluded.isEmpty() ? "" : " AND type NOT IN (" + Sql.placeholders(excluded.size()) + ")";
        return Sql.list(connection, "SELECT " + TaskMapper.COLUMNS_WITH_SUBMITTER + DUE_FROM + notExcluded + DUE_ORDER,
                Sql.concat(List.of(now), List.copyOf(excluded), List.of(limit)),
                row -> new Locked(TaskMapper.task(row), TaskMapper.submitter(row), row.getString("id")));
    }

    @Override
    public void markRunning(Connection connection, List<Locked> tasks, String owner, Instant leaseUntil, Instant now) throws SQLException {
        Sql.update(connection, MARK_RUNNING + "(" + Sql.placeholders(tasks.size()) + ")",
                Sql.concat(List.of(owner, leaseUntil, now, now), tasks.stream().map(Locked::row).toList()));
    }

    @Override
    public boolean[] finish(Connection connection, String owner, List<Outcome> outcomes) throws SQLException {
        return Sql.batch(connection, FINISH, outcomes.stream()
                .map(outcome -> Sql.concat(outcome.values(), List.of(outcome.id(), owner, outcome.attempts())))
                .toList());
    }
}
