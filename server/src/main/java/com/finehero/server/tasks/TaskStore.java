package com.finehero.server.tasks;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import com.finehero.api.tasks.v1.QueueStats;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.security.Principal;

/**
 * Where tasks live: the durable queue. Every method is one transaction except {@link #enqueue},
 * which runs on the caller's connection so a service can queue a task in its own transaction.
 * A running task is owned through its claim: {@code lease_owner} and {@code attempts}; every write
 * by a worker is conditioned on both, so a worker that lost its lease changes nothing.
 */
interface TaskStore {

    /** Inserts a task, or returns the task its submitter already queued with its idempotency key. */
    Task enqueue(Connection connection, NewTask task) throws SQLException;

    /** {@link #enqueue} for each, in one transaction. */
    List<Task> submit(List<NewTask> tasks);

    Optional<Task> find(String id);

    /** A page of tasks, newest first. */
    List<Task> list(TaskQuery query, int limit);

    /**
     * Claims up to {@code limit} due PENDING or FAILED tasks in queue order, skipping rows other
     * claimers hold ({@code FOR UPDATE SKIP LOCKED}), types in {@code excluded}, and any task
     * {@code admit} refuses (per-type limits); marks them RUNNING with a lease. Returns them as now stored,
     * with who submitted each (the principal its handler runs as), read in the same transaction.
     */
    Claimed claim(String owner, Instant now, Instant leaseUntil, int limit, Set<String> excluded, Predicate<Task> admit);

    /** Tasks one claim took, and their submitters by task id. */
    record Claimed(List<Task> tasks, Map<String, Principal> submitters) {
    }

    /**
     * Writes the final (or FAILED, or rescued PENDING) state of tasks claimed by {@code owner}; a
     * task no longer held by that claim is left alone. Queues the next run of recurring tasks that
     * ended. Returns, per task, whether it was written.
     */
    boolean[] finish(String owner, List<Task> outcomes);

    /** Records progress of a claimed task; false when the claim is lost. */
    boolean progress(Task running, Instant now);

    /** Renews the leases of every task this owner runs; returns how many. */
    int heartbeat(String owner, Instant leaseUntil);

    /** Tasks this owner runs whose cancellation was requested: id to current version. */
    Map<String, Long> cancelRequested(String owner);

    /** Cancels now (PENDING, FAILED) or asks the handler to stop (RUNNING); FAILED_PRECONDITION if finished. */
    Task cancel(String id, Instant now);

    /** DEAD back to PENDING with no attempts; FAILED_PRECONDITION otherwise. */
    Task retry(String id, Instant now);

    /** Tasks whose lease expired before {@code now}, each locked: CANCELLED, DEAD or PENDING again. */
    List<Task> rescue(Instant now, int limit);

    /** Gives back every task this owner holds (shutdown): PENDING again. */
    int release(String owner, Instant now);

    /**
     * Moves up to {@code limit} SUCCEEDED and CANCELLED tasks finished before {@code finishedBefore}, oldest
     * first, from the queue table to the history, in one transaction; returns how many. Reads find them
     * there unchanged; retention ({@code table_retention}) removes them from the history.
     */
    int archive(Instant finishedBefore, int limit);

    QueueStats stats(String type, Instant now);

    /**
     * A row to insert.
     *
     * @param submitter  who queued it: the idempotency key is theirs, and the handler runs as them
     */
    record NewTask(String id, String type, String payloadJson, int priority, Instant runAt, Instant readyKey,
                   String cron, String idempotencyKey, int maxAttempts, long backoffMs, Instant now, Principal submitter) {
        public NewTask {
            Objects.requireNonNull(submitter, "submitter");
        }
    }

    /**
     * Filters and position of a ListTasks page; {@code after} null = first page.
     *
     * @param submitter  only tasks this subject submitted; null = everyone's
     */
    record TaskQuery(String type, List<TaskState> states, int priority, Cursor after, String submitter) {
        public TaskQuery {
            states = List.copyOf(states);
        }
    }

    /** The last task of the previous page in ListTasks order. */
    record Cursor(Instant createTime, String id) { }
}
