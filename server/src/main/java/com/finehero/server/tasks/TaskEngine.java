package com.finehero.server.tasks;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.finehero.api.tasks.v1.QueueStats;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.Principal;

/**
 * The task engine of one instance: submission (also inside another service's transaction), the
 * worker pool, the batched completer, heartbeats and maintenance. Several instances share one
 * database; each task is run by one of them at a time.
 */
public final class TaskEngine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaskEngine.class.getName());

    private final TaskStore store;
    private final TaskRules rules;
    private final TaskHandlers handlers;
    private final TasksConfig config;
    private final TaskWakeup wakeup;
    private final String owner;
    private final TaskCompleter completer;
    private final TaskWorkerPool pool;
    private final TaskMaintenance maintenance;
    private volatile boolean started;

    TaskEngine(TaskStore store, TaskRules rules, TaskHandlers handlers, TasksConfig config, RedisConnector redis) {
        this.store = Objects.requireNonNull(store, "store");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.handlers = Objects.requireNonNull(handlers, "handlers");
        this.config = Objects.requireNonNull(config, "config");
        this.owner = UUID.randomUUID().toString().substring(0, 13);
        this.wakeup = new TaskWakeup(redis);
        this.completer = config.enabled() ? new TaskCompleter(store, owner) : null;
        this.pool = config.enabled() ? new TaskWorkerPool(store, rules, handlers, completer, wakeup, config, owner) : null;
        this.maintenance = new TaskMaintenance(store, rules, pool, wakeup, redis, config, owner);
    }

    /** Adds a task type; call before {@link #start}. */
    public TaskEngine register(TaskHandler handler) {
        handlers.register(handler);
        return this;
    }

    /** Adds the task types of a feature; call before {@link #start}. */
    public TaskEngine register(List<TaskHandler> featureHandlers) {
        featureHandlers.forEach(this::register);
        return this;
    }

    /** Starts running tasks (unless {@code finehero.tasks.enabled=false}) and the upkeep. */
    public void start() {
        wakeup.subscribe();
        if (pool != null) {
            completer.start();
            pool.start();
        }
        maintenance.start();
        started = true;
        LOG.log(Level.INFO, "task engine " + owner + (pool == null ? " accepts tasks but runs none" : " runs up to "
                + config.workers() + " task(s) at once") + "; types: " + String.join(", ", handlers.types()));
    }

    /** How each registered type is declared (payload, defaults, who may submit it), sorted by name. */
    public List<TaskType> types() {
        return handlers.declarations();
    }

    /** This instance's name in {@code Task.worker}. */
    public String owner() {
        return owner;
    }

    public TaskMaintenance maintenance() {
        return maintenance;
    }

    TaskStore store() {
        return store;
    }

    /**
     * Queues a task for {@code submitter}: the caller of an RPC, or {@link Principal#SYSTEM} for what
     * the server schedules on its own (the only way to queue an internal type).
     */
    public Task submit(Principal submitter, SubmitTaskRequest request) {
        return submitAll(submitter, List.of(request)).getFirst();
    }

    /** Checks every request first, then queues all in one transaction. */
    public List<Task> submitAll(Principal submitter, List<SubmitTaskRequest> requests) {
        List<TaskStore.NewTask> tasks = new ArrayList<>(requests.size());
        for (SubmitTaskRequest request : requests) {
            tasks.add(newTask(submitter, request));
        }
        List<Task> queued = store.submit(tasks);
        announceIfDue(queued);
        return queued;
    }

    /**
     * Transactional enqueue: queues a task on the caller's connection, inside the caller's
     * {@code Database.inTransaction}, so it exists exactly when the caller's own write commits. Call
     * {@link #wakeUp} after the commit to start it at once; otherwise the next poll finds it.
     */
    public Task enqueue(Connection connection, Principal submitter, SubmitTaskRequest request) throws SQLException {
        return store.enqueue(connection, newTask(submitter, request));
    }

    /**
     * Checks a submission against its type (known, submitter allowed, payload as declared, current data
     * as the handler requires, judged as the submitter) and turns it into a row to insert;
     * INVALID_ARGUMENT / PERMISSION_DENIED / FAILED_PRECONDITION otherwise.
     */
    private TaskStore.NewTask newTask(Principal submitter, SubmitTaskRequest request) {
        Objects.requireNonNull(submitter, "submitter");
        TaskHandler handler = handlers.require(request.getType());
        TaskAccess.checkSubmit(submitter, handler.type());
        handler.type().payload().check(request.getType(), request.getPayload());
        submitter.attach(io.grpc.Context.current()).run(() -> handler.check(new Payload(request.getPayload())));
        return rules.newTask(request, handler.type().defaults(), submitter);
    }

    /** Tells every instance that work may be waiting. */
    public void wakeUp() {
        wakeup.announce();
    }

    private void announceIfDue(List<Task> queued) {
        java.time.Instant now = rules.now();
        for (Task task : queued) {
            if (task.getState() == TaskState.TASK_STATE_PENDING && !Times.toInstant(task.getRunAt()).isAfter(now)) {
                wakeup.announce();
                return;
            }
        }
    }

    public Optional<Task> find(String id) {
        return store.find(id);
    }

    /** The task, if {@code caller} may see it: their own, or any for admins and analysts. */
    public Optional<Task> find(Principal caller, String id) {
        return store.find(id).filter(task -> TaskAccess.sees(caller, task));
    }

    /** A page of the tasks {@code caller} may see, filtered in the query. */
    public List<Task> list(Principal caller, TaskStore.TaskQuery query, int limit) {
        return store.list(new TaskStore.TaskQuery(query.type(), query.states(), query.priority(), query.after(),
                TaskAccess.listedSubmitter(caller)), limit);
    }

    public Task cancel(Principal caller, String id) {
        checkChange(caller, id, "cancel");
        Task task = store.cancel(id, rules.now());
        if (pool != null && task.getState() == TaskState.TASK_STATE_RUNNING && owner.equals(task.getWorker())) {
            pool.cancel(java.util.Map.of(id, task.getVersion()));
        }
        return task;
    }

    public Task retry(Principal caller, String id) {
        checkChange(caller, id, "retry");
        Task task = store.retry(id, rules.now());
        wakeup.announce();
        return task;
    }

    private void checkChange(Principal caller, String id, String action) {
        Task task = store.find(id).orElseThrow(() -> FineHeroException.notFound("task", id));
        TaskAccess.checkChange(caller, task, handlers.declaration(task.getType()), action);
    }

    /**
     * The task engine as a health component: queue depth, oldest pending age and throughput;
     * DEGRADED when the oldest pending task has waited longer than {@code oldestPendingWarn}.
     */
    public com.finehero.server.platform.observe.HealthMonitor.Component health(Duration oldestPendingWarn) {
        QueueStats stats = stats("");
        long pending = stats.getDepthsList().stream().filter(d -> d.getState() == TaskState.TASK_STATE_PENDING)
                .mapToLong(com.finehero.api.tasks.v1.QueueDepth::getCount).sum();
        long running = stats.getDepthsList().stream().filter(d -> d.getState() == TaskState.TASK_STATE_RUNNING)
                .mapToLong(com.finehero.api.tasks.v1.QueueDepth::getCount).sum();
        Duration oldest = Duration.ofSeconds(stats.getOldestPendingAge().getSeconds(), stats.getOldestPendingAge().getNanos());
        java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("pending", pending);
        details.put("running", running);
        details.put("dead", stats.getDeadCount());
        details.put("oldestPendingSeconds", oldest.toSeconds());
        details.put("succeededPerSecond", Math.round(stats.getSucceededPerSecond() * 100) / 100.0);
        details.put("workersHere", stats.getWorkersHere());
        boolean late = oldest.compareTo(oldestPendingWarn) > 0;
        return new com.finehero.server.platform.observe.HealthMonitor.Component("tasks",
                late ? com.finehero.server.platform.observe.HealthMonitor.Status.DEGRADED : com.finehero.server.platform.observe.HealthMonitor.Status.UP,
                late ? "the oldest pending task has waited " + oldest.toSeconds() + " s (warn at " + oldestPendingWarn.toSeconds() + " s)" : "",
                details);
    }

    public QueueStats stats(String type) {
        QueueStats stats = store.stats(type, rules.now());
        return stats.toBuilder()
                .setRunningHere(pool == null ? 0 : pool.runningCount())
                .setWorkersHere(pool == null ? 0 : config.workers())
                .build();
    }

    /**
     * Makes sure a recurring task of this type runs on {@code cron}: keeps a live one with that
     * expression, cancels one with another expression, queues one if none is live. Instances starting
     * together agree through the idempotency key (type and first fire time), which is the system's own:
     * no caller can take it, as no caller submits as the system.
     */
    public Optional<Task> ensureRecurring(String type, String cron) {
        List<Task> live = store.list(new TaskStore.TaskQuery(type,
                List.of(TaskState.TASK_STATE_PENDING, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_RUNNING), 0, null,
                Principal.SYSTEM.subject()), 100);
        Optional<Task> keep = Optional.empty();
        for (Task task : live) {
            if (task.getCron().isEmpty()) {
                continue;
            }
            if (!cron.isBlank() && task.getCron().equals(CronSchedule.parse(cron).expression()) && keep.isEmpty()) {
                keep = Optional.of(task);
            } else if (task.getState() != TaskState.TASK_STATE_RUNNING) {
                try {
                    store.cancel(task.getId(), rules.now());
                } catch (FineHeroException.FailedPrecondition alreadyEnded) {
                    // another instance starting at the same time cancelled it first: the outcome we want
                }
            }
        }
        if (keep.isPresent() || cron.isBlank()) {
            return keep;
        }
        CronSchedule schedule = CronSchedule.parse(cron);
        String key = "schedule." + type + "." + schedule.nextOrSame(rules.now()).getEpochSecond();
        return Optional.of(submit(Principal.SYSTEM, SubmitTaskRequest.newBuilder().setType(type).setCron(cron).setIdempotencyKey(key).build()));
    }

    /** Stops claiming, lets running handlers finish for up to {@code drain}, writes their outcomes. */
    public void close(Duration drain) {
        maintenance.close();
        if (pool != null && started) {
            pool.closeWithin(drain);
            completer.close();
            int released = store.release(owner, rules.now());
            if (released > 0) {
                LOG.log(Level.INFO, "gave back " + released + " unfinished task(s) at shutdown");
            }
        }
        wakeup.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
