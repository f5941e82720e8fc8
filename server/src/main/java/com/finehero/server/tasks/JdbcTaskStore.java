package com.finehero.server.tasks;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
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
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.platform.retention.AppendOnlyTable;
import com.finehero.server.platform.security.Principal;

/**
 * {@link TaskStore} on PostgreSQL or H2 through plain JDBC; the same statements run on both (H2 2.x has
 * {@code FOR UPDATE SKIP LOCKED} and, in PostgreSQL mode, {@code ON CONFLICT DO NOTHING}) except on the
 * hot paths (submit, claim, finish), whose statements {@link TaskSql} chooses once for the database. A
 * claim is two statements in one transaction: lock the due rows in queue order, skipping locked ones,
 * then mark those admitted RUNNING. The rows it does not admit are unlocked at commit, untouched.
 *
 * <p>Tasks live in two tables: {@code tasks}, the queue and the recent past, and {@code task_history},
 * where {@link #archive} moves SUCCEEDED and CANCELLED tasks (on PostgreSQL partitioned by day of
 * their finish time, so retention drops days whole). A task is in exactly one of them in any committed
 * state, so every read by id, by idempotency key or by page reads both in one statement; the writes
 * (claim, finish, cancel, retry) concern live tasks, and a task in the history is finished for good.
 */
final class JdbcTaskStore implements TaskStore {

    /** The states GetQueueStats counts: the queue, and the dead tasks waiting for an operator. */
    private static final String IN_QUEUE = "state IN ('PENDING', 'RUNNING', 'FAILED', 'DEAD')";
    /** GetQueueStats' depths, with its conditions ({@link #inQueue}) in place of {@code %s}. */
    static final String DEPTHS = "SELECT priority, state, COUNT(*) AS n FROM tasks%s GROUP BY priority, state ORDER BY priority DESC, state";
    /** Where {@link #archive} moves finished tasks, kept for {@code finehero.tasks.retention} by day of their finish. */
    static final AppendOnlyTable HISTORY = new AppendOnlyTable("task_history", "finish_time", AppendOnlyTable.Slice.DAY, 3);
    /** The finished states whose tasks move to the history; DEAD ones stay in the queue for an operator's RetryTask. */
    private static final Set<TaskState> ARCHIVED = Set.of(TaskState.TASK_STATE_SUCCEEDED, TaskState.TASK_STATE_CANCELLED);
    /** {@link #ARCHIVED} as a condition on the state column. */
    private static final String IN_ARCHIVED_STATE = ARCHIVED.stream().map(TaskRules::name).sorted()
            .collect(java.util.stream.Collectors.joining("', '", "state IN ('", "')"));
    /** A task as the history keeps it: what it is read with, and who submitted it. */
    private static final String HISTORY_COLUMNS = TaskMapper.COLUMNS_WITH_SUBMITTER;
    /** A newest-first page of ListTasks. */
    private static final String PAGE = " ORDER BY create_time DESC, id DESC LIMIT ?";

    private final Database db;
    private final TaskRules rules;
    private final TaskSql sql;
    private final Outbox outbox;

    /** A store whose events carry the system clock's time. */
    public JdbcTaskStore(Database db, TaskRules rules) {
        this.db = Objects.requireNonNull(db, "db");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.sql = TaskSql.of(db.dialect());
        this.outbox = new Outbox(db, java.time.Clock.systemUTC());
    }

    /** @param outbox where every visible change (state, progress) records its event, in the change's transaction */
    public JdbcTaskStore(Database db, TaskRules rules, Outbox outbox) {
        this.db = Objects.requireNonNull(db, "db");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.sql = TaskSql.of(db.dialect());
        this.outbox = Objects.requireNonNull(outbox, "outbox");
    }

    Database database() {
        return db;
    }

    @Override
    public Task enqueue(Connection connection, NewTask task) throws SQLException {
        return submit(connection, List.of(task)).getFirst();
    }

    @Override
    public List<Task> submit(List<NewTask> tasks) {
        return db.inTransaction(connection -> submit(connection, tasks));
    }

    private List<Task> submit(Connection connection, List<NewTask> tasks) throws SQLException {
        boolean[] inserted = sql.insert(connection, tasks);
        Map<Integer, Task> archived = archivedWithSameKey(connection, tasks, inserted);
        List<Task> result = new ArrayList<>(tasks.size());
        List<Task> queued = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            if (archived.containsKey(i)) {
                result.add(archived.get(i));
            } else if (inserted[i]) {
                Task task = TaskMapper.inserted(tasks.get(i));
                queued.add(task);
                result.add(task);
            } else {
                result.add(existing(connection, tasks.get(i)));
            }
        }
        outbox.append(connection, TaskFeedEvents.changed(queued));
        return result;
    }

    /**
     * Of the tasks just inserted, those whose idempotency key already named a task now in the history,
     * by position: that task is the answer, and the row just inserted is deleted again. The queue
     * table's unique key cannot see the history, so the history is read after the insert, not before:
     * a task the archive moves meanwhile either still held the key (the insert conflicted) or was moved
     * by a transaction the insert waited for, whose rows this later statement sees.
     */
    private static Map<Integer, Task> archivedWithSameKey(Connection connection, List<NewTask> tasks, boolean[] inserted)
            throws SQLException {
        Map<String, Map<String, Integer>> keyed = new HashMap<>(); // submitter -> key -> position
        for (int i = 0; i < tasks.size(); i++) {
            NewTask task = tasks.get(i);
            if (inserted[i] && task.idempotencyKey() != null) {
                keyed.computeIfAbsent(task.submitter().subject(), s -> new HashMap<>()).put(task.idempotencyKey(), i);
            }
        }
        Map<Integer, Task> archived = new HashMap<>();
        for (Map.Entry<String, Map<String, Integer>> submitter : keyed.entrySet()) {
            for (List<String> keys : Sql.chunks(List.copyOf(submitter.getValue().keySet()), 500)) {
                for (Task task : Sql.list(connection, "SELECT " + TaskMapper.COLUMNS + " FROM task_history WHERE submitter = ? "
                        + "AND idempotency_key IN (" + Sql.placeholders(keys.size()) + ")",
                        Sql.concat(List.of(submitter.getKey()), keys), TaskMapper::task)) {
                    archived.put(submitter.getValue().get(task.getIdempotencyKey()), task);
                }
            }
        }
        if (!archived.isEmpty()) {
            List<String> duplicates = archived.keySet().stream().map(i -> tasks.get(i).id()).toList();
            Sql.update(connection, "DELETE FROM tasks WHERE id IN (" + Sql.placeholders(duplicates.size()) + ")", duplicates);
        }
        return archived;
    }

    private Task existing(Connection connection, NewTask task) throws SQLException {
        if (task.idempotencyKey() == null) {
            throw new SQLException("task " + task.id() + " was not inserted", "23505");
        }
        List<Object> key = List.of(task.submitter().subject(), task.idempotencyKey());
        Optional<Task> found = Sql.one(connection, inEitherTable("submitter = ? AND idempotency_key = ?"), Sql.concat(key, key),
                TaskMapper::task);
        if (found.isEmpty()) {
            throw new SQLException("idempotency key " + task.idempotencyKey() + " conflicts but is not visible", "40001");
        }
        return found.get();
    }

    @Override
    public Optional<Task> find(String id) {
        return db.read(connection -> Sql.one(connection, inEitherTable("id = ?"), List.of(id, id), TaskMapper::task));
    }

    /**
     * The task or tasks meeting {@code condition} in the queue table and in the history, in one statement
     * (one snapshot: a task the archive moves is seen in one table or the other); the condition's
     * parameters are given twice.
     */
    private static String inEitherTable(String condition) {
        return "SELECT " + TaskMapper.COLUMNS + " FROM tasks WHERE " + condition
                + " UNION ALL SELECT " + TaskMapper.COLUMNS + " FROM task_history WHERE " + condition;
    }

    @Override
    public List<Task> list(TaskQuery query, int limit) {
        Sql.Where where = Sql.where()
                .eq("type", query.type())
                .in("state", query.states().stream().map(TaskRules::name).toList())
                .eq("priority", query.priority() > 0 ? query.priority() : null)
                .eq("submitter", query.submitter());
        if (query.after() != null) {
            where.beforeKey("create_time", "id", query.after().createTime(), query.after().id());
        }
        String live = "SELECT " + TaskMapper.COLUMNS + " FROM tasks" + where.clause() + PAGE;
        if (!query.states().isEmpty() && query.states().stream().noneMatch(ARCHIVED::contains)) {
            return db.read(connection -> Sql.list(connection, live, where.params(limit), TaskMapper::task));
        }
        // each part a page of its own, read newest first from its own index; the newest of both follow
        String both = "SELECT * FROM (" + live + ") live UNION ALL SELECT * FROM (SELECT " + TaskMapper.COLUMNS
                + " FROM task_history" + where.clause() + PAGE + ") archived" + PAGE;
        return db.read(connection -> Sql.list(connection, both,
                Sql.concat(where.params(limit), where.params(limit), List.of(limit)), TaskMapper::task));
    }

    private static Map<String, Principal> submitters(Connection connection, Collection<String> ids) throws SQLException {
        Map<String, Principal> submitters = new HashMap<>();
        for (Map.Entry<String, Principal> entry : Sql.list(connection, "SELECT id, " + TaskMapper.SUBMITTER_COLUMNS
                + " FROM tasks WHERE id IN (" + Sql.placeholders(ids.size()) + ")", List.copyOf(ids),
                row -> Map.entry(row.getString("id"), TaskMapper.submitter(row)))) {
            submitters.put(entry.getKey(), entry.getValue());
        }
        return submitters;
    }

    @Override
    public Claimed claim(String owner, Instant now, Instant leaseUntil, int limit, Set<String> excluded, Predicate<Task> admit) {
        return db.inTransaction(connection -> {
            List<Task> claimed = new ArrayList<>();
            List<TaskSql.Locked> admitted = new ArrayList<>();
            Map<String, Principal> submitters = new HashMap<>();
            for (TaskSql.Locked candidate : sql.lockDue(connection, now, excluded, limit)) {
                Task task = candidate.task();
                if (admit.test(task)) {
                    admitted.add(candidate);
                    submitters.put(task.getId(), candidate.submitter());
                    claimed.add(task.toBuilder()
                            .setState(TaskState.TASK_STATE_RUNNING)
                            .setAttempts(task.getAttempts() + 1)
                            .setWorker(owner)
                            .setStartTime(Times.toProto(now))
                            .setUpdateTime(Times.toProto(now))
                            .setVersion(task.getVersion() + 1)
                            .build());
                }
            }
            if (claimed.isEmpty()) {
                return new Claimed(List.of(), Map.of());
            }
            sql.markRunning(connection, admitted, owner, leaseUntil, now);
            outbox.append(connection, TaskFeedEvents.changed(claimed));
            return new Claimed(claimed, submitters);
        });
    }

    @Override
    public boolean[] finish(String owner, List<Task> outcomes) {
        return db.inTransaction(connection -> finish(connection, owner, outcomes));
    }

    private boolean[] finish(Connection connection, String owner, List<Task> outcomes) throws SQLException {
        if (outcomes.isEmpty()) {
            return new boolean[0];
        }
        boolean[] applied = sql.finish(connection, owner, outcomes.stream().map(this::outcome).toList());
        List<Task> written = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            if (applied[i]) {
                written.add(outcomes.get(i));
            }
        }
        outbox.append(connection, TaskFeedEvents.changed(written));
        List<Task> recurring = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            Task task = outcomes.get(i);
            if (applied[i] && !task.getCron().isEmpty()
                    && (task.getState() == TaskState.TASK_STATE_SUCCEEDED || task.getState() == TaskState.TASK_STATE_DEAD)) {
                recurring.add(task);
            }
        }
        List<NewTask> next = new ArrayList<>();
        if (!recurring.isEmpty()) {
            // the next run belongs to whoever queued the schedule
            Map<String, Principal> submitters = submitters(connection, recurring.stream().map(Task::getId).toList());
            for (Task task : recurring) {
                next.add(rules.nextOccurrence(task, submitters.get(task.getId())));
            }
        }
        for (NewTask task : next) {
            enqueue(connection, task);
        }
        return applied;
    }

    /** The columns an outcome writes, in the order {@link TaskSql.Outcome} names them. */
    private TaskSql.Outcome outcome(Task task) {
        return new TaskSql.Outcome(task.getId(), task.getAttempts(), Arrays.asList(
                TaskRules.name(task.getState()),
                Times.toSql(task.getRunAt()),
                Times.toSql(rules.readyKey(Times.toInstant(task.getRunAt()), TaskRules.level(task.getPriority()))),
                task.hasResult() ? TaskRules.json(task.getResult()) : null,
                truncate(task.getLastError(), 2000),
                task.getProgressPercent(),
                truncate(task.getProgressMessage(), 500),
                task.getCancelRequested(),
                Times.toSql(task.getUpdateTime()),
                task.hasFinishTime() ? Times.toSql(task.getFinishTime()) : null));
    }

    @Override
    public boolean progress(Task running, Instant now) {
        return db.inTransaction(connection -> {
            boolean written = Sql.update(connection, "UPDATE tasks SET progress_percent = ?, "
                    + "progress_message = ?, update_time = ?, version = version + 1 "
                    + "WHERE id = ? AND state = 'RUNNING' AND lease_owner = ? AND attempts = ?", List.of(running.getProgressPercent(),
                    truncate(running.getProgressMessage(), 500), now, running.getId(), running.getWorker(), running.getAttempts())) == 1;
            if (written) {
                outbox.append(connection, TaskFeedEvents.changed(running));
            }
            return written;
        });
    }

    @Override
    public int heartbeat(String owner, Instant leaseUntil) {
        // a row locked now is being finished or rescued, and needs no longer lease; skipping it keeps the
        // heartbeat from ever waiting on (or deadlocking with) those batches, which lock in their own order
        return db.inTransaction(connection -> Sql.update(connection, "UPDATE tasks SET lease_until = ? WHERE id IN "
                + "(SELECT id FROM tasks WHERE lease_owner = ? AND state = 'RUNNING' FOR UPDATE SKIP LOCKED)", List.of(leaseUntil, owner)));
    }

    @Override
    public Map<String, Long> cancelRequested(String owner) {
        return db.read(connection -> {
            Map<String, Long> ids = new HashMap<>();
            for (Map.Entry<String, Long> task : Sql.list(connection,
                    "SELECT id, version FROM tasks WHERE lease_owner = ? AND state = 'RUNNING' AND cancel_requested = TRUE",
                    List.of(owner), row -> Map.entry(row.getString(1), row.getLong(2)))) {
                ids.put(task.getKey(), task.getValue());
            }
            return ids;
        });
    }

    @Override
    public Task cancel(String id, Instant now) {
        return db.inTransaction(connection -> {
            Task current = require(connection, id);
            Optional<Task> cancelled = rules.cancelled(current, now);
            if (cancelled.isEmpty()) {
                return current;
            }
            Task changed = cancelled.get();
            Sql.update(connection, "UPDATE tasks SET state = ?, cancel_requested = ?, finish_time = ?, update_time = ?, version = ? "
                    + "WHERE id = ?", Arrays.asList(TaskRules.name(changed.getState()), changed.getCancelRequested(),
                    changed.hasFinishTime() ? changed.getFinishTime() : null, now, changed.getVersion(), id));
            outbox.append(connection, TaskFeedEvents.changed(changed));
            return changed;
        });
    }

    @Override
    public Task retry(String id, Instant now) {
        return db.inTransaction(connection -> {
            Task changed = rules.retried(require(connection, id), now);
            Sql.update(connection, "UPDATE tasks SET state = ?, attempts = ?, "
                    + "run_at = ?, ready_key = ?, finish_time = NULL, update_time = ?, version = ? WHERE id = ?",
                    List.of(TaskRules.name(changed.getState()), changed.getAttempts(), now,
                            rules.readyKey(now, TaskRules.level(changed.getPriority())), now, changed.getVersion(), id));
            outbox.append(connection, TaskFeedEvents.changed(changed));
            return changed;
        });
    }

    @Override
    public List<Task> rescue(Instant now, int limit) {
        return db.inTransaction(connection -> {
            List<Task> expired = Sql.list(connection, "SELECT " + TaskMapper.COLUMNS + " FROM tasks "
                    + "WHERE state = 'RUNNING' AND lease_until < ? ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED",
                    List.of(now, limit), TaskMapper::task);
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
            List<Task> held = Sql.list(connection, "SELECT " + TaskMapper.COLUMNS + " FROM tasks "
                    + "WHERE lease_owner = ? AND state = 'RUNNING' FOR UPDATE", List.of(owner), TaskMapper::task);
            if (held.isEmpty()) {
                return 0;
            }
            int released = Sql.update(connection, "UPDATE tasks SET state = 'PENDING', lease_owner = NULL, "
                    + "lease_until = NULL, update_time = ?, version = version + 1 WHERE lease_owner = ? AND state = 'RUNNING'",
                    List.of(now, owner));
            outbox.append(connection, TaskFeedEvents.changed(held.stream().map(task -> task.toBuilder()
                    .setState(TaskState.TASK_STATE_PENDING).clearWorker().setUpdateTime(Times.toProto(now))
                    .setVersion(task.getVersion() + 1).build()).toList()));
            return released;
        });
    }

    @Override
    public int archive(Instant finishedBefore, int limit) {
        return db.inTransaction(connection -> {
            List<String> ids = Sql.list(connection, "SELECT id FROM tasks WHERE " + IN_ARCHIVED_STATE
                    + " AND finish_time < ? ORDER BY finish_time LIMIT ? FOR UPDATE SKIP LOCKED", List.of(finishedBefore, limit),
                    row -> row.getString(1));
            if (ids.isEmpty()) {
                return 0;
            }
            String these = " WHERE id IN (" + Sql.placeholders(ids.size()) + ")";
            Sql.update(connection, "INSERT INTO task_history (" + HISTORY_COLUMNS + ") SELECT " + HISTORY_COLUMNS + " FROM tasks" + these, ids);
            return Sql.update(connection, "DELETE FROM tasks" + these, ids);
        });
    }

    /**
     * The queue's depths (PENDING, RUNNING, FAILED and DEAD: never the finished tasks kept for their
     * retention, which grow to millions) and the last minute's throughput. Every part reads an index
     * whose size follows the queue or the minute, not the history (tasks_in_queue_with_state, tasks_finish_time,
     * tasks_ready on PostgreSQL).
     */
    @Override
    public QueueStats stats(String type, Instant now) {
        Instant minuteAgo = now.minusSeconds(60);
        Sql.Where inQueue = inQueue(type);
        // a task that died did so at its finish time; one that failed an attempt and waits to retry
        // is FAILED since its last update
        Sql.Where succeeded = Sql.where().and("finish_time >= ?", minuteAgo).and("state = 'SUCCEEDED'").eq("type", type);
        Sql.Where died = Sql.where().and("finish_time >= ?", minuteAgo).and("state = 'DEAD'").eq("type", type);
        Sql.Where failed = Sql.where().and("state = 'FAILED'").and("update_time >= ?", minuteAgo).eq("type", type);
        Sql.Where due = Sql.where().and("state IN ('PENDING', 'FAILED')").and("run_at <= ?", now).eq("type", type);
        return db.read(connection -> {
            QueueStats.Builder stats = QueueStats.newBuilder();
            List<QueueDepth> depths = Sql.list(connection, DEPTHS.formatted(inQueue.clause()), inQueue.params(), row -> QueueDepth.newBuilder()
                    .setPriority(TaskPriority.forNumber(row.getInt("priority")))
                    .setState(TaskRules.state(row.getString("state")))
                    .setCount(row.getLong("n"))
                    .build());
            for (QueueDepth depth : depths) {
                stats.addDepths(depth);
                if (depth.getState() == TaskState.TASK_STATE_DEAD) {
                    stats.setDeadCount(stats.getDeadCount() + depth.getCount());
                }
            }
            Throughput recent = Sql.one(connection, "SELECT "
                    + "(SELECT COUNT(*) FROM tasks" + succeeded.clause() + ") AS succeeded, "
                    + "(SELECT COUNT(*) FROM tasks" + died.clause() + ") AS died, "
                    + "(SELECT COUNT(*) FROM tasks" + failed.clause() + ") AS failed, "
                    + "(SELECT MIN(run_at) FROM tasks" + due.clause() + ") AS oldest",
                    Sql.concat(succeeded.params(), died.params(), failed.params(), due.params()),
                    row -> new Throughput(row.getLong("succeeded"), row.getLong("died") + row.getLong("failed"),
                            row.getObject("oldest", OffsetDateTime.class)))
                    .orElseThrow();
            stats.setSucceededPerSecond(recent.succeeded() / 60.0);
            stats.setFailedPerSecond(recent.failed() / 60.0);
            if (recent.oldestDue() != null) {
                Duration age = Duration.between(recent.oldestDue().toInstant(), now);
                stats.setOldestPendingAge(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(age.getSeconds()).setNanos(age.getNano()));
            }
            return stats.build();
        });
    }

    /** The rows GetQueueStats' depths count: the queue and the dead tasks, of one type or (null) all. */
    static Sql.Where inQueue(String type) {
        return Sql.where().and(IN_QUEUE).eq("type", type);
    }

    /** Tasks that succeeded and failed in the last minute, and the run time of the oldest due one (null: none). */
    private record Throughput(long succeeded, long failed, OffsetDateTime oldestDue) { }

    /** The task, locked if it is live; one in the history is finished for good and needs no lock. */
    private Task require(Connection connection, String id) throws SQLException {
        Optional<Task> live = Sql.one(connection, "SELECT " + TaskMapper.COLUMNS + " FROM tasks WHERE id = ? FOR UPDATE",
                List.of(id), TaskMapper::task);
        if (live.isPresent()) {
            return live.get();
        }
        // a separate statement: if the archive moved the task while this one waited for its lock, it sees the move
        return Sql.one(connection, "SELECT " + TaskMapper.COLUMNS + " FROM task_history WHERE id = ?", List.of(id), TaskMapper::task)
                .orElseThrow(() -> FineHeroException.notFound("task", id));
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
