package com.finehero.server.tasks;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskPriority;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.JurisdictionScope;
import com.finehero.server.platform.security.Principal;

/** Converts between {@code tasks} rows and the contract's {@link Task}. */
final class TaskMapper {

    /** The columns {@link #task} reads. */
    static final String COLUMNS = "id, type, payload, priority, state, run_at, cron, idempotency_key, attempts, "
            + "max_attempts, backoff_ms, lease_owner, cancel_requested, progress_percent, progress_message, result, "
            + "last_error, create_time, update_time, start_time, finish_time, version, submitter";
    /** The columns {@link #submitter} reads. */
    static final String SUBMITTER_COLUMNS = "submitter, submitter_roles, submitter_credential, submitter_scope";
    /** The task and who submitted it: {@link #task} and {@link #submitter} both read such a row. */
    static final String COLUMNS_WITH_SUBMITTER = COLUMNS + ", submitter_roles, submitter_credential, submitter_scope";
    /** An INSERT up to what it inserts: rows ({@link #INSERT_INTO}) or a SELECT. */
    static final String INSERT_TARGET = "INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, cron, "
            + "idempotency_key, max_attempts, backoff_ms, create_time, update_time, version, " + SUBMITTER_COLUMNS + ") ";
    /** An INSERT up to its rows: followed by one or more {@link #ROW}s. */
    static final String INSERT_INTO = INSERT_TARGET + "VALUES ";
    /** One row of {@link #INSERT_INTO}, taking the {@link #insertValues} of a task. */
    static final String ROW = "(?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)";
    /** Inserts one task unless its id, or its submitter's idempotency key, is taken. */
    static final String INSERT = INSERT_INTO + ROW + " ON CONFLICT DO NOTHING";

    private TaskMapper() {
    }

    /** The parameters of a {@link #ROW}, in order; cron and idempotency key may be null. */
    static List<Object> insertValues(TaskStore.NewTask task) {
        return Arrays.asList(task.id(), task.type(), task.payloadJson(), task.priority(), task.runAt(), task.readyKey(),
                task.cron(), task.idempotencyKey(), task.maxAttempts(), task.backoffMs(), task.now(), task.now(),
                task.submitter().subject(), roles(task.submitter().roles()), task.submitter().credential().label(),
                task.submitter().scope().limited() ? task.submitter().scope().code() : null);
    }

    /** Roles as stored: their names, comma-separated. */
    static String roles(Set<Role> roles) {
        return roles.stream().map(Role::name).sorted().collect(Collectors.joining(","));
    }

    /**
     * The principal a task's handler runs as, from a row selected with {@link #SUBMITTER_COLUMNS}: the
     * system for what the server scheduled, else the submitter with the roles and jurisdiction scope their
     * submitting call carried.
     */
    static Principal submitter(ResultSet row) throws SQLException {
        String label = row.getString("submitter_credential");
        Principal.Credential credential = Arrays.stream(Principal.Credential.values())
                .filter(c -> c.label().equals(label)).findFirst().orElse(Principal.Credential.ANONYMOUS);
        if (credential == Principal.Credential.SYSTEM) {
            return Principal.SYSTEM;
        }
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String name : row.getString("submitter_roles").split(",")) {
            if (!name.isBlank()) {
                roles.add(Role.valueOf(name));
            }
        }
        String subject = row.getString("submitter");
        String scope = row.getString("submitter_scope");
        return new Principal(subject, subject, roles, credential, "", null, new JurisdictionScope(scope == null ? "" : scope));
    }

    /** The task as {@link #INSERT} stored it. */
    static Task inserted(TaskStore.NewTask task) {
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
                .setVersion(1)
                .setSubmitter(task.submitter().subject());
        if (task.cron() != null) {
            built.setCron(task.cron());
        }
        if (task.idempotencyKey() != null) {
            built.setIdempotencyKey(task.idempotencyKey());
        }
        return built.build();
    }

    /** Reads a row selected with {@link #COLUMNS}. */
    static Task task(ResultSet row) throws SQLException {
        Task.Builder task = Task.newBuilder()
                .setId(row.getString("id"))
                .setType(row.getString("type"))
                .setPayload(TaskRules.struct(row.getString("payload")))
                .setPriority(TaskPriority.forNumber(row.getInt("priority")))
                .setState(TaskRules.state(row.getString("state")))
                .setRunAt(Times.timestamp(row, "run_at"))
                .setAttempts(row.getInt("attempts"))
                .setMaxAttempts(row.getInt("max_attempts"))
                .setRetryBackoff(duration(row.getLong("backoff_ms")))
                .setCancelRequested(row.getBoolean("cancel_requested"))
                .setProgressPercent(row.getInt("progress_percent"))
                .setProgressMessage(row.getString("progress_message"))
                .setLastError(row.getString("last_error"))
                .setCreateTime(Times.timestamp(row, "create_time"))
                .setUpdateTime(Times.timestamp(row, "update_time"))
                .setVersion(row.getLong("version"))
                .setSubmitter(row.getString("submitter"));
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
        Times.optionalTimestamp(row, "start_time").ifPresent(task::setStartTime);
        Times.optionalTimestamp(row, "finish_time").ifPresent(task::setFinishTime);
        return task.build();
    }

    private static com.google.protobuf.Duration duration(long millis) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }
}
