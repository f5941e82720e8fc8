package com.finehero.server.tasks;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;
import com.google.protobuf.Struct;

/**
 * Runs claimed tasks on virtual threads: one claimer thread takes due tasks in batches as worker
 * slots free up ({@code finehero.tasks.workers}), honouring each type's concurrency limit, and hands
 * each to a virtual thread. A handler that throws fails its attempt, never the worker.
 */
final class TaskWorkerPool implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaskWorkerPool.class.getName());

    private final TaskStore store;
    private final TaskRules rules;
    private final TaskHandlers handlers;
    private final TaskCompleter completer;
    private final TaskWakeup wakeup;
    private final TasksConfig config;
    private final String owner;
    private final Semaphore slots;
    private final Map<String, AtomicInteger> runningByType = new ConcurrentHashMap<>();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("finehero-task-", 0).factory());
    private final Thread claimer;
    private volatile boolean stopping;

    TaskWorkerPool(TaskStore store, TaskRules rules, TaskHandlers handlers, TaskCompleter completer,
                   TaskWakeup wakeup, TasksConfig config, String owner) {
        this.store = store;
        this.rules = rules;
        this.handlers = handlers;
        this.completer = completer;
        this.wakeup = wakeup;
        this.config = config;
        this.owner = owner;
        this.slots = new Semaphore(config.workers());
        this.claimer = Thread.ofPlatform().daemon().name("finehero-task-claimer").unstarted(this::claimLoop);
    }

    void start() {
        claimer.start();
    }

    int runningCount() {
        return running.size();
    }

    /** Marks local running tasks cancelled (id to the version that recorded it) and interrupts their handlers. */
    void cancel(Map<String, Long> versions) {
        for (Map.Entry<String, Long> entry : versions.entrySet()) {
            Running run = running.get(entry.getKey());
            if (run != null && !run.cancelled) {
                run.cancelled = true;
                Task current = run.current;
                run.current = current.toBuilder().setCancelRequested(true)
                        .setVersion(Math.max(current.getVersion(), entry.getValue())).build();
                Thread thread = run.thread;
                if (thread != null) {
                    thread.interrupt();
                }
            }
        }
    }

    private void claimLoop() {
        while (!stopping) {
            try {
                int free = slots.availablePermits();
                if (free == 0) {
                    wakeup.await(config.poll());
                    continue;
                }
                int want = Math.min(free, config.claimBatch());
                Instant now = rules.now();
                Set<String> saturated = new HashSet<>();
                for (String type : handlers.types()) {
                    if (count(type).get() >= handlers.concurrency(type)) {
                        saturated.add(type);
                    }
                }
                Map<String, Integer> admitted = new HashMap<>();
                TaskStore.Claimed claim = store.claim(owner, now, now.plus(config.lease()), want, saturated, task -> {
                    int limit = handlers.concurrency(task.getType());
                    int taken = admitted.getOrDefault(task.getType(), 0);
                    if (count(task.getType()).get() + taken >= limit) {
                        return false;
                    }
                    admitted.put(task.getType(), taken + 1);
                    return true;
                });
                List<Task> claimed = claim.tasks();
                for (Task task : claimed) {
                    launch(task, claim.submitters().get(task.getId()));
                }
                if (claimed.size() < want) {
                    wakeup.await(config.poll());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "claiming tasks failed; trying again in " + config.poll().toMillis() + " ms", e);
                try {
                    wakeup.await(config.poll());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private AtomicInteger count(String type) {
        return runningByType.computeIfAbsent(type, t -> new AtomicInteger());
    }

    private void launch(Task task, Principal submitter) {
        slots.acquireUninterruptibly();
        count(task.getType()).incrementAndGet();
        Running run = new Running(task, submitter);
        running.put(task.getId(), run);
        executor.execute(() -> execute(run));
    }

    private void execute(Running run) {
        run.thread = Thread.currentThread();
        Task outcome;
        try {
            TaskHandler handler = handlers.find(run.current.getType());
            if (handler == null) {
                throw new IllegalStateException("no handler for task type " + run.current.getType() + " on this instance");
            }
            if (run.submitter == null) {
                throw new IllegalStateException("task " + run.current.getId() + " has no submitter to run as");
            }
            // the handler acts as whoever queued the task: what it reads and writes is judged as theirs
            Struct result = run.submitter.attach(io.grpc.Context.ROOT).call(() -> handler.run(new Context(run)));
            outcome = finished(run.current, TaskState.TASK_STATE_SUCCEEDED).toBuilder()
                    .setResult(result)
                    .setProgressPercent(100)
                    .setLastError("")
                    .build();
        } catch (Throwable failure) {
            outcome = run.cancelled ? finished(run.current, TaskState.TASK_STATE_CANCELLED) : failed(run.current, failure);
        } finally {
            Thread.interrupted(); // a cancellation's interrupt must not leak into the next task on this thread
            run.thread = null;
            running.remove(run.current.getId());
            count(run.current.getType()).decrementAndGet();
            slots.release();
            wakeup.signal();
        }
        if (!run.lost) {
            completer.complete(outcome);
        }
    }

    private Task finished(Task current, TaskState state) {
        Instant now = rules.now();
        return current.toBuilder()
                .setState(state)
                .setFinishTime(Times.toProto(now))
                .setUpdateTime(Times.toProto(now))
                .setVersion(current.getVersion() + 1)
                .build();
    }

    private Task failed(Task current, Throwable failure) {
        String errorId = UUID.randomUUID().toString();
        String error = describe(failure, current.getAttempts(), errorId);
        String attempt = "task " + current.getId() + " (" + current.getType() + ") attempt " + current.getAttempts()
                + " of " + current.getMaxAttempts() + " failed, error id " + errorId;
        if (failure instanceof FineHeroException) {
            LOG.log(Level.INFO, attempt + ": " + failure.getMessage());
        } else {
            LOG.log(Level.WARNING, attempt, failure);
        }
        // bad input or a wrong state will not get better by retrying: the task is DEAD at once
        boolean permanent = failure instanceof FineHeroException.InvalidArgument
                || failure instanceof FineHeroException.FailedPrecondition || failure instanceof FineHeroException.NotFound;
        if (permanent || current.getAttempts() >= current.getMaxAttempts()) {
            return finished(current, TaskState.TASK_STATE_DEAD).toBuilder().setLastError(error).build();
        }
        Instant now = rules.now();
        return current.toBuilder()
                .setState(TaskState.TASK_STATE_FAILED)
                .setRunAt(Times.toProto(rules.retryAt(current, handlers.declaration(current.getType()))))
                .setLastError(error)
                .setUpdateTime(Times.toProto(now))
                .setVersion(current.getVersion() + 1)
                .build();
    }

    /**
     * What callers see of a failure: a {@code FineHeroException}'s message, which is written for
     * callers, or only that an unexpected error happened (its text may hold SQL, key values or hosts);
     * either way with the error id the server log carries next to the full exception.
     */
    static String describe(Throwable failure, int attempt, String errorId) {
        String reason = failure instanceof FineHeroException && failure.getMessage() != null ? failure.getMessage()
                : "attempt " + attempt + " failed with an internal error";
        String suffix = " (error id " + errorId + ")";
        return (reason.length() + suffix.length() > 2000 ? reason.substring(0, 2000 - suffix.length()) : reason) + suffix;
    }

    /** Stops claiming, waits for running handlers up to {@code wait}, interrupts the rest. */
    @Override
    public void close() {
        closeWithin(Duration.ofSeconds(10));
    }

    void closeWithin(Duration wait) {
        stopping = true;
        claimer.interrupt();
        try {
            claimer.join(Duration.ofSeconds(5));
            executor.shutdown();
            if (!executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                running.values().forEach(run -> {
                    run.lost = true;
                    Thread thread = run.thread;
                    if (thread != null) {
                        thread.interrupt();
                    }
                });
                executor.shutdownNow();
                executor.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task this instance runs. */
    private static final class Running {
        final Principal submitter;
        volatile Task current;
        volatile Thread thread;
        volatile boolean cancelled;
        volatile boolean lost;

        Running(Task task, Principal submitter) {
            this.current = task;
            this.submitter = submitter;
        }
    }

    private final class Context implements TaskContext {
        private final Running run;
        private final Payload payload;

        Context(Running run) {
            this.run = run;
            this.payload = new Payload(run.current.getPayload());
        }

        @Override
        public String taskId() {
            return run.current.getId();
        }

        @Override
        public int attempt() {
            return run.current.getAttempts();
        }

        @Override
        public Payload payload() {
            return payload;
        }

        @Override
        public Instant now() {
            return rules.now();
        }

        @Override
        public void progress(int percent, String message) {
            Instant now = rules.now();
            Task next = run.current.toBuilder()
                    .setProgressPercent(Math.max(0, Math.min(100, percent)))
                    .setProgressMessage(message == null ? "" : message)
                    .setUpdateTime(Times.toProto(now))
                    .setVersion(run.current.getVersion() + 1)
                    .build();
            if (store.progress(next, now)) {
                run.current = next;
            } else {
                // another worker owns the task now (our lease expired): stop and write nothing
                run.lost = true;
                run.cancelled = true;
                throw new TaskCancelledException(taskId());
            }
        }

        @Override
        public boolean cancelled() {
            return run.cancelled;
        }
    }
}
