package com.finehero.server.tasks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskPriority;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

/**
 * The decisions about tasks, free of I/O: what a submission becomes, where it sits in the queue
 * (priority with aging), when a failed attempt runs again, which transitions a caller may ask for.
 * The type of a task (its declaration and handler) is looked up by the caller, in {@link TaskHandlers}.
 *
 * <p>Queue order is {@code ready_key = run_at - (priority - 1) x aging}, then submission order. A
 * priority level is thus worth {@code aging} of waiting: CRITICAL work submitted now goes before
 * LOW work submitted up to 4 x aging ago, but not before LOW work that has waited longer, so a
 * steady stream of higher work delays LOW work by at most 4 x aging (plus what is queued ahead).
 */
final class TaskRules {

    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    private final Clock clock;
    private final Duration aging;
    private final Duration pastTolerance;
    private final DoubleSupplier jitter;

    /**
     * @param aging          waiting this long is worth one priority level ({@code finehero.tasks.aging})
     * @param pastTolerance  how far in the past a submitted run_at may be ({@code finehero.tasks.past-tolerance})
     */
    public TaskRules(Clock clock, Duration aging, Duration pastTolerance) {
        this(clock, aging, pastTolerance, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param jitter  uniform in [0, 1), spreads the retries of tasks that failed together ({@link Backoff}) */
    TaskRules(Clock clock, Duration aging, Duration pastTolerance, DoubleSupplier jitter) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.aging = Objects.requireNonNull(aging, "aging");
        this.pastTolerance = Objects.requireNonNull(pastTolerance, "pastTolerance");
        this.jitter = Objects.requireNonNull(jitter, "jitter");
    }

    public Instant now() {
        return Times.truncate(clock.instant());
    }

    /**
     * Turns a submission whose payload its type accepted into a row to insert, with the type's
     * {@code defaults} where the request leaves them out; INVALID_ARGUMENT for a run_at too far in
     * the past or a cron expression that does not parse.
     */
    public TaskStore.NewTask newTask(SubmitTaskRequest request, TaskHandler.Defaults defaults, Principal submitter) {
        Instant now = now();
        Instant runAt = now;
        if (request.hasRunAt()) {
            runAt = Times.truncate(Times.toInstant(request.getRunAt()));
            if (runAt.isBefore(now.minus(pastTolerance))) {
                throw FineHeroException.invalidField("run_at", "is " + Duration.between(runAt, now).toSeconds()
                        + " s in the past; at most " + pastTolerance.toSeconds() + " s in the past is accepted");
            }
        }
        String cron = null;
        if (!request.getCron().isBlank()) {
            CronSchedule schedule;
            try {
                schedule = CronSchedule.parse(request.getCron());
            } catch (IllegalArgumentException e) {
                throw FineHeroException.invalidField("cron", e.getMessage());
            }
            cron = schedule.expression();
            runAt = schedule.nextOrSame(runAt.isBefore(now) ? now : runAt);
        }
        int priority = level(request.getPriority());
        long backoffMs = request.hasRetryBackoff()
                ? Math.max(1000, request.getRetryBackoff().getSeconds() * 1000 + request.getRetryBackoff().getNanos() / 1_000_000)
                : defaults.backoff().toMillis();
        return new TaskStore.NewTask(UUID.randomUUID().toString(), request.getType(), json(request.getPayload()), priority,
                runAt, readyKey(runAt, priority), cron,
                request.getIdempotencyKey().isEmpty() ? null : request.getIdempotencyKey(),
                request.getMaxAttempts() == 0 ? defaults.maxAttempts() : request.getMaxAttempts(),
                backoffMs, now, submitter);
    }

    /**
     * The next run of a recurring task after {@code finished}, or null when it does not recur; it
     * belongs to the same {@code submitter}.
     */
    public TaskStore.NewTask nextOccurrence(Task finished, Principal submitter) {
        if (finished.getCron().isEmpty()) {
            return null;
        }
        Instant now = now();
        Instant previous = Times.toInstant(finished.getRunAt());
        Instant runAt = CronSchedule.parse(finished.getCron()).next(previous.isAfter(now) ? previous : now);
        int priority = level(finished.getPriority());
        return new TaskStore.NewTask(UUID.randomUUID().toString(), finished.getType(), json(finished.getPayload()), priority,
                runAt, readyKey(runAt, priority), finished.getCron(), null, finished.getMaxAttempts(),
                finished.getRetryBackoff().getSeconds() * 1000 + finished.getRetryBackoff().getNanos() / 1_000_000, now, submitter);
    }

    /** Queue position: earlier is sooner. */
    public Instant readyKey(Instant runAt, int priority) {
        return runAt.minus(aging.multipliedBy(priority - 1L));
    }

    /**
     * When a task whose attempt just failed may run again.
     *
     * @param type  the task's type, empty when this instance does not know it (the delay then grows
     *              to at most 64 x the task's backoff)
     */
    public Instant retryAt(Task task, Optional<TaskType> type) {
        Duration base = Duration.ofSeconds(task.getRetryBackoff().getSeconds(), task.getRetryBackoff().getNanos());
        Duration max = type.map(t -> t.defaults().maxBackoff()).orElse(base.multipliedBy(64));
        if (max.compareTo(base) < 0) {
            max = base;
        }
        return now().plus(Backoff.delay(base, max, task.getAttempts(), jitter));
    }

    /**
     * What CancelTask makes of {@code current}: a waiting task (PENDING, FAILED) is CANCELLED at once;
     * a RUNNING one is asked to stop (its handler sees the request at its next heartbeat); empty when
     * the stop was already asked, so nothing changes. FAILED_PRECONDITION for a finished task.
     */
    public Optional<Task> cancelled(Task current, Instant now) {
        Task.Builder changed = switch (current.getState()) {
            case TASK_STATE_PENDING, TASK_STATE_FAILED -> current.toBuilder()
                    .setState(TaskState.TASK_STATE_CANCELLED)
                    .setFinishTime(Times.toProto(now));
            case TASK_STATE_RUNNING -> current.getCancelRequested() ? null : current.toBuilder().setCancelRequested(true);
            default -> throw FineHeroException.failedPrecondition("TASK_FINISHED", "task " + current.getId() + " is "
                    + name(current.getState()) + " and cannot be cancelled");
        };
        return Optional.ofNullable(changed).map(task -> changedAt(task, current, now));
    }

    /**
     * What RetryTask makes of {@code current}: a DEAD task is PENDING again, due now, with its attempts
     * counted from zero. FAILED_PRECONDITION for any other state.
     */
    public Task retried(Task current, Instant now) {
        if (current.getState() != TaskState.TASK_STATE_DEAD) {
            throw FineHeroException.failedPrecondition("TASK_NOT_DEAD", "task " + current.getId() + " is "
                    + name(current.getState()) + "; only a DEAD task can be retried");
        }
        return changedAt(current.toBuilder()
                .setState(TaskState.TASK_STATE_PENDING)
                .setAttempts(0)
                .setRunAt(Times.toProto(now))
                .clearFinishTime(), current, now);
    }

    private static Task changedAt(Task.Builder changed, Task current, Instant now) {
        return changed.setUpdateTime(Times.toProto(now)).setVersion(current.getVersion() + 1).build();
    }

    public static boolean finished(TaskState state) {
        return state == TaskState.TASK_STATE_SUCCEEDED || state == TaskState.TASK_STATE_DEAD
                || state == TaskState.TASK_STATE_CANCELLED;
    }

    public static int level(TaskPriority priority) {
        return priority == TaskPriority.TASK_PRIORITY_UNSPECIFIED || priority == TaskPriority.UNRECOGNIZED
                ? TaskPriority.TASK_PRIORITY_NORMAL_VALUE : priority.getNumber();
    }

    public static String name(TaskState state) {
        return state.name().substring("TASK_STATE_".length());
    }

    public static TaskState state(String name) {
        return TaskState.valueOf("TASK_STATE_" + name.toUpperCase(Locale.ROOT));
    }

    public static String json(Struct struct) {
        try {
            return JSON.print(struct);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Struct struct(String json) {
        if (json == null || json.isEmpty() || json.equals("{}")) {
            return Struct.getDefaultInstance();
        }
        try {
            Struct.Builder builder = Struct.newBuilder();
            PARSER.merge(json, builder);
            return builder.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored task JSON does not parse", e);
        }
    }
}
