package com.finehero.server.tasks;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.api.tasks.v1.CancelTaskRequest;
import com.finehero.api.tasks.v1.GetQueueStatsRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.ListTasksRequest;
import com.finehero.api.tasks.v1.ListTasksResponse;
import com.finehero.api.tasks.v1.QueueStats;
import com.finehero.api.tasks.v1.RetryTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskPriority;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.api.tasks.v1.WatchTaskRequest;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.retention.Retention;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static com.finehero.server.testing.GrpcErrors.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What a client of TasksService and a task handler can rely on, over real gRPC and REST. Each backend
 * runs this suite through a subclass ({@link TasksOnH2Test}, {@link TasksOnPostgresTest}). Time is the
 * app's SettableClock: scheduled work becomes due when a test moves it, never by waiting.
 */
abstract class TasksContractTest {

    abstract FineHeroExtension app();

    TasksServiceGrpc.TasksServiceBlockingStub tasks;

    @BeforeEach
    void setUp() {
        tasks = TasksServiceGrpc.newBlockingStub(app().channel()); // the client channel gives every call its own deadline
    }

    TaskEngine engine() {
        return app().app().tasks();
    }

    TestHandler register(TestHandler handler) {
        engine().register(handler);
        return handler;
    }

    Instant now() {
        return app().clock().instant();
    }

    static Timestamp at(Instant instant) {
        return Times.toProto(instant);
    }

    Task get(String id) {
        return tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build());
    }

    Task awaitState(String id, TaskState state) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> get(id).getState() == state);
        return get(id);
    }

    SubmitTaskRequest.Builder request(TaskHandler handler) {
        return SubmitTaskRequest.newBuilder().setType(handler.type().name());
    }

    @Test
    void noopRunsToSucceeded() {
        Task submitted = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop")
                .setPayload(payload("note", "hello")).build());
        assertThat(submitted.getId()).isNotEmpty();
        assertThat(submitted.getPriority()).isEqualTo(TaskPriority.TASK_PRIORITY_NORMAL);
        Task done = awaitState(submitted.getId(), TaskState.TASK_STATE_SUCCEEDED);
        assertThat(done.getAttempts()).isEqualTo(1);
        assertThat(done.getProgressPercent()).isEqualTo(100);
        assertThat(done.hasFinishTime()).isTrue();
        assertThat(done.getWorker()).isEmpty();
        assertThat(done.getPayload()).isEqualTo(payload("note", "hello"));
    }

    @Test
    void sameIdempotencyKeyReturnsTheFirstTask() {
        String key = "import-" + java.util.UUID.randomUUID();
        Task first = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey(key).build());
        Task again = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey(key)
                .setPriority(TaskPriority.TASK_PRIORITY_CRITICAL).build());
        assertThat(again.getId()).isEqualTo(first.getId());
        assertThat(again.getPriority()).isEqualTo(TaskPriority.TASK_PRIORITY_NORMAL);
        ListTasksResponse listed = tasks.listTasks(ListTasksRequest.newBuilder().setType("noop").setPageSize(100).build());
        assertThat(listed.getTasksList().stream().filter(t -> key.equals(t.getIdempotencyKey()))).hasSize(1);
    }

    @Test
    void badSubmissionsAreRefusedWithClearMessages() {
        StatusRuntimeException unknown = failure(Code.INVALID_ARGUMENT,
                () -> tasks.submitTask(SubmitTaskRequest.newBuilder().setType("no_such_type").build()));
        assertThat(unknown.getStatus().getDescription()).contains("unknown task type 'no_such_type'").contains("noop");
        assertThat(violatedFields(unknown)).containsExactly("type");

        StatusRuntimeException payload = failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(
                SubmitTaskRequest.newBuilder().setType("noop").setPayload(payload("fine_id", "x")).build()));
        assertThat(reason(payload)).isEqualTo("INVALID_PAYLOAD");
        assertThat(violatedFields(payload)).containsExactly("payload.fine_id");

        StatusRuntimeException cron = failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(
                SubmitTaskRequest.newBuilder().setType("noop").setCron("every tuesday").build()));
        assertThat(violatedFields(cron)).containsExactly("cron");

        StatusRuntimeException past = failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(
                SubmitTaskRequest.newBuilder().setType("noop").setRunAt(at(now().minus(Duration.ofHours(2)))).build()));
        assertThat(violatedFields(past)).containsExactly("run_at");
        assertThat(past.getStatus().getDescription()).contains("in the past");

        // a little in the past is accepted (clock skew between caller and server)
        Task recent = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop")
                .setRunAt(at(now().minus(Duration.ofSeconds(30)))).build());
        awaitState(recent.getId(), TaskState.TASK_STATE_SUCCEEDED);

        failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(SubmitTaskRequest.newBuilder().setType("Bad Type").build()));
        failure(Code.NOT_FOUND, () -> get(java.util.UUID.randomUUID().toString()));
    }

    @Test
    void higherPriorityFirstAndFifoWithinAPriority() {
        List<String> order = new CopyOnWriteArrayList<>();
        TestHandler handler = register(new TestHandler(new TaskHandler.Defaults(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1),
                context -> {
                    order.add(context.payload().string("label", ""));
                    return Struct.getDefaultInstance();
                }));
        Instant runAt = now().plus(Duration.ofMinutes(1));
        String[][] submissions = {{"low-1", "LOW"}, {"normal-1", "NORMAL"}, {"critical-1", "CRITICAL"}, {"low-2", "LOW"},
                {"high-1", "HIGH"}, {"critical-2", "CRITICAL"}, {"urgent-1", "URGENT"}, {"normal-2", "NORMAL"}};
        List<String> ids = new ArrayList<>();
        for (String[] s : submissions) {
            ids.add(tasks.submitTask(request(handler).setPayload(payload("label", s[0]))
                    .setPriority(TaskPriority.valueOf("TASK_PRIORITY_" + s[1])).setRunAt(at(runAt)).build()).getId());
        }
        app().clock().advance(Duration.ofMinutes(2));
        ids.forEach(id -> awaitState(id, TaskState.TASK_STATE_SUCCEEDED));
        assertThat(order).containsExactly("critical-1", "critical-2", "urgent-1", "high-1", "normal-1", "normal-2", "low-1", "low-2");
    }

    @Test
    void waitingLowWorkIsNotStarvedByNewerCriticalWork() {
        List<String> order = new CopyOnWriteArrayList<>();
        TestHandler handler = register(new TestHandler(new TaskHandler.Defaults(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1),
                context -> {
                    order.add(context.payload().string("label", ""));
                    return Struct.getDefaultInstance();
                }));
        Instant base = now();
        // aging is 1 minute a level: CRITICAL is LOW with a 4-minute head start
        String oldLow = tasks.submitTask(request(handler).setPayload(payload("label", "low-waited-5m"))
                .setPriority(TaskPriority.TASK_PRIORITY_LOW).setRunAt(at(base.plus(Duration.ofMinutes(1)))).build()).getId();
        String newCritical = tasks.submitTask(request(handler).setPayload(payload("label", "critical-5m-later"))
                .setPriority(TaskPriority.TASK_PRIORITY_CRITICAL).setRunAt(at(base.plus(Duration.ofMinutes(6)))).build()).getId();
        String critical = tasks.submitTask(request(handler).setPayload(payload("label", "critical-3m-later"))
                .setPriority(TaskPriority.TASK_PRIORITY_CRITICAL).setRunAt(at(base.plus(Duration.ofMinutes(4)))).build()).getId();
        app().clock().advance(Duration.ofMinutes(10));
        List.of(oldLow, newCritical, critical).forEach(id -> awaitState(id, TaskState.TASK_STATE_SUCCEEDED));
        assertThat(order).containsExactly("critical-3m-later", "low-waited-5m", "critical-5m-later");
    }

    @Test
    void failedAttemptsBackOffExponentiallyThenDieAndRetryTaskRevives() {
        AtomicBoolean broken = new AtomicBoolean(true);
        AtomicInteger runs = new AtomicInteger();
        TestHandler handler = register(new TestHandler(new TaskHandler.Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(10), 4),
                context -> {
                    runs.incrementAndGet();
                    if (broken.get()) {
                        throw new IllegalStateException("upstream said no (attempt " + context.attempt() + ")");
                    }
                    return Struct.newBuilder().putFields("ok", Value.newBuilder().setBoolValue(true).build()).build();
                }));
        String id = tasks.submitTask(request(handler).build()).getId();

        Task first = awaitState(id, TaskState.TASK_STATE_FAILED);
        assertThat(first.getAttempts()).isEqualTo(1);
        // what the handler threw may hold SQL, keys or hosts: callers get a safe reason and the log's error id
        assertThat(first.getLastError()).matches("attempt 1 failed with an internal error \\(error id [0-9a-f-]{36}\\)")
                .doesNotContain("upstream said no").doesNotContain("IllegalStateException");
        assertBackoff(first, Duration.ofSeconds(10), 1);

        app().clock().advance(Backoff.highest(Duration.ofSeconds(10), Duration.ofMinutes(10), 1).plusSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> get(id).getAttempts() == 2 && get(id).getState() == TaskState.TASK_STATE_FAILED);
        assertBackoff(get(id), Duration.ofSeconds(10), 2);

        app().clock().advance(Backoff.highest(Duration.ofSeconds(10), Duration.ofMinutes(10), 2).plusSeconds(1));
        Task dead = awaitState(id, TaskState.TASK_STATE_DEAD);
        assertThat(dead.getAttempts()).isEqualTo(3);
        assertThat(dead.getLastError()).contains("attempt 3");
        assertThat(runs).hasValue(3);
        QueueStats stats = tasks.getQueueStats(GetQueueStatsRequest.newBuilder().setType(handler.type().name()).build());
        assertThat(stats.getDeadCount()).isEqualTo(1);
        assertThat(stats.getDepthsList()).singleElement().satisfies(d -> {
            assertThat(d.getState()).isEqualTo(TaskState.TASK_STATE_DEAD);
            assertThat(d.getCount()).isEqualTo(1);
        });
        assertThat(stats.getFailedPerSecond()).as("the death, within the last minute").isEqualTo(1 / 60.0);

        failure(Code.FAILED_PRECONDITION, () -> tasks.retryTask(RetryTaskRequest.newBuilder()
                .setTaskId(tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop")
                        .setRunAt(at(now().plus(Duration.ofDays(1)))).build()).getId()).build()));
        broken.set(false);
        Task revived = tasks.retryTask(RetryTaskRequest.newBuilder().setTaskId(id).build());
        assertThat(revived.getState()).isEqualTo(TaskState.TASK_STATE_PENDING);
        assertThat(revived.getAttempts()).isZero();
        Task done = awaitState(id, TaskState.TASK_STATE_SUCCEEDED);
        assertThat(done.getResult().getFieldsOrThrow("ok").getBoolValue()).isTrue();
        QueueStats after = tasks.getQueueStats(GetQueueStatsRequest.newBuilder().setType(handler.type().name()).build());
        assertThat(after.getDepthsList()).as("a finished task is history, not queue depth").isEmpty();
        assertThat(after.getDeadCount()).isZero();
        assertThat(after.getSucceededPerSecond()).isEqualTo(1 / 60.0);
        assertThat(after.getFailedPerSecond()).as("nothing failed or died in the last minute").isZero();
    }

    private static void assertBackoff(Task failed, Duration base, int failedAttempts) {
        Duration delay = Duration.between(Times.toInstant(failed.getUpdateTime()), Times.toInstant(failed.getRunAt()));
        assertThat(delay).isBetween(Backoff.lowest(base, Duration.ofMinutes(10), failedAttempts),
                Backoff.highest(base, Duration.ofMinutes(10), failedAttempts));
    }

    @Test
    void perTaskOverridesOfAttemptsAndBackoff() {
        TestHandler handler = register(TestHandler.of(context -> {
            throw new IllegalArgumentException("always");
        }));
        String id = tasks.submitTask(request(handler).setMaxAttempts(1)
                .setRetryBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(2)).build()).getId();
        Task dead = awaitState(id, TaskState.TASK_STATE_DEAD);
        assertThat(dead.getMaxAttempts()).isEqualTo(1);
        assertThat(dead.getRetryBackoff().getSeconds()).isEqualTo(2);
    }

    @Test
    void cancellingPendingRunningAndFinishedTasks() throws Exception {
        Task scheduled = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop")
                .setRunAt(at(now().plus(Duration.ofDays(1)))).build());
        Task cancelled = tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(scheduled.getId()).build());
        assertThat(cancelled.getState()).isEqualTo(TaskState.TASK_STATE_CANCELLED);
        StatusRuntimeException again = failure(Code.FAILED_PRECONDITION,
                () -> tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(scheduled.getId()).build()));
        assertThat(again.getStatus().getDescription()).contains("is CANCELLED and cannot be cancelled");

        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean sawCancellation = new AtomicBoolean();
        TestHandler blocking = register(TestHandler.of(context -> {
            started.countDown();
            try {
                while (true) {
                    context.checkCancelled();
                    Thread.sleep(5_000); // a handler blocked in its work: the cancellation must interrupt it
                }
            } catch (InterruptedException | TaskCancelledException e) {
                sawCancellation.set(context.cancelled());
                throw e;
            }
        }));
        String running = tasks.submitTask(request(blocking).build()).getId();
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
        Task requested = tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(running).build());
        assertThat(requested.getCancelRequested()).isTrue();
        Task stopped = awaitState(running, TaskState.TASK_STATE_CANCELLED);
        assertThat(stopped.getAttempts()).isEqualTo(1);
        assertThat(sawCancellation).isTrue();

        Task done = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").build());
        awaitState(done.getId(), TaskState.TASK_STATE_SUCCEEDED);
        failure(Code.FAILED_PRECONDITION, () -> tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(done.getId()).build()));
    }

    @Test
    void aThrowingHandlerNeverKillsAWorker() {
        TestHandler bomb = register(new TestHandler(new TaskHandler.Defaults(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 50),
                context -> {
                    throw new OutOfMemoryError("pretend");
                }));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(tasks.submitTask(request(bomb).build()).getId());
        }
        ids.forEach(id -> awaitState(id, TaskState.TASK_STATE_DEAD));
        Task after = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").build());
        awaitState(after.getId(), TaskState.TASK_STATE_SUCCEEDED);
    }

    @Test
    void cronTasksRecur() {
        AtomicInteger runs = new AtomicInteger();
        TestHandler handler = register(TestHandler.of(context -> {
            runs.incrementAndGet();
            return Struct.getDefaultInstance();
        }));
        Task first = tasks.submitTask(request(handler).setCron("*/5 * * * *").build());
        Instant firstRun = Times.toInstant(first.getRunAt());
        assertThat(firstRun).isAfter(now());
        assertThat(firstRun.getEpochSecond() % 300).isZero();
        app().clock().set(firstRun.plusSeconds(1));
        awaitState(first.getId(), TaskState.TASK_STATE_SUCCEEDED);
        await().atMost(Duration.ofSeconds(20)).until(() -> pending(handler).size() == 1);
        Task second = pending(handler).getFirst();
        assertThat(second.getCron()).isEqualTo("*/5 * * * *");
        assertThat(Times.toInstant(second.getRunAt())).isEqualTo(firstRun.plus(Duration.ofMinutes(5)));
        app().clock().set(firstRun.plus(Duration.ofMinutes(5)).plusSeconds(1));
        awaitState(second.getId(), TaskState.TASK_STATE_SUCCEEDED);
        assertThat(runs).hasValue(2);
        // cancelling the pending run ends the recurrence
        await().atMost(Duration.ofSeconds(20)).until(() -> pending(handler).size() == 1);
        tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(pending(handler).getFirst().getId()).build());
        assertThat(pending(handler)).isEmpty();
    }

    private List<Task> pending(TaskHandler handler) {
        return tasks.listTasks(ListTasksRequest.newBuilder().setType(handler.type().name())
                .addStates(TaskState.TASK_STATE_PENDING).build()).getTasksList();
    }

    @Test
    void aTaskWhoseWorkerDiedRunsAgainAfterItsLeaseExpires() {
        AtomicInteger runs = new AtomicInteger();
        TestHandler handler = register(TestHandler.of(context -> {
            runs.incrementAndGet();
            return Struct.newBuilder().putFields("attempt", Value.newBuilder().setNumberValue(context.attempt()).build()).build();
        }));
        Instant later = now().plus(Duration.ofMinutes(1));
        String id = tasks.submitTask(request(handler).setRunAt(at(later)).build()).getId();
        // a "worker" of a process that is then killed: it claims the task and never heartbeats again
        List<Task> claimed = engine().store().claim("ghost-worker", later, later.plusSeconds(30), 10,
                java.util.Set.of(), t -> t.getId().equals(id)).tasks();
        assertThat(claimed).extracting(Task::getId).containsExactly(id);
        app().clock().set(later.plusSeconds(10));
        assertThat(engine().maintenance().runOnce()).as("lease still valid").isZero();
        assertThat(get(id).getState()).isEqualTo(TaskState.TASK_STATE_RUNNING);
        assertThat(get(id).getWorker()).isEqualTo("ghost-worker");

        app().clock().set(later.plusSeconds(31));
        assertThat(engine().maintenance().runOnce()).isEqualTo(1);
        Task done = awaitState(id, TaskState.TASK_STATE_SUCCEEDED);
        assertThat(done.getAttempts()).isEqualTo(2);
        assertThat(done.getResult().getFieldsOrThrow("attempt").getNumberValue()).isEqualTo(2);
        assertThat(runs).hasValue(1);
        // the ghost's late completion changes nothing
        assertThat(engine().store().finish("ghost-worker", List.of(claimed.getFirst().toBuilder()
                .setState(TaskState.TASK_STATE_FAILED).build()))).containsExactly(false);
        assertThat(get(id).getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
    }

    @Test
    void perTypeConcurrencyLimitHolds() {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        TestHandler handler = register(new TestHandler(new TaskHandler.Defaults(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 2),
                context -> {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    try {
                        release.await(20, TimeUnit.SECONDS); // keep the slot taken while the others queue
                    } finally {
                        inside.decrementAndGet();
                    }
                    return Struct.getDefaultInstance();
                }));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(tasks.submitTask(request(handler).build()).getId());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> inside.get() == 2);
        assertThat(ids.stream().map(id -> get(id).getState()).filter(s -> s == TaskState.TASK_STATE_RUNNING))
                .as("both slots taken, the other tasks wait").hasSize(2);
        release.countDown();
        ids.forEach(id -> awaitState(id, TaskState.TASK_STATE_SUCCEEDED));
        assertThat(most.get()).isEqualTo(2);
    }

    @Test
    void aSubmissionLargerThanOneInsertKeepsEveryTaskInItsPlace() {
        // more rows than one multi-row INSERT takes (500 on PostgreSQL): the last one, in the second
        // statement, repeats an idempotency key of the first and must get that task back
        Instant later = now().plus(Duration.ofDays(1)); // not due: nothing runs while the test looks
        String prefix = "chunked-" + java.util.UUID.randomUUID() + "-";
        List<TaskStore.NewTask> rows = new ArrayList<>();
        for (int i = 0; i <= 500; i++) {
            String key = prefix + (i == 500 ? 3 : i);
            rows.add(new TaskStore.NewTask(java.util.UUID.randomUUID().toString(), "noop", "{}", 1, later, later, null, key,
                    3, 1000, now(), Principal.SYSTEM));
        }
        List<Task> queued = engine().store().submit(rows);
        assertThat(queued).hasSize(501);
        for (int i = 0; i < 500; i++) {
            assertThat(queued.get(i).getId()).as("task %d", i).isEqualTo(rows.get(i).id());
            assertThat(queued.get(i).getIdempotencyKey()).isEqualTo(prefix + i);
        }
        assertThat(queued.get(500).getId()).as("the repeated key returns the first task").isEqualTo(rows.get(3).id());
        assertThat(engine().store().find(rows.get(500).id())).isEmpty();
    }

    @Test
    void finishedTasksMoveToTheHistoryAndReadAsBeforeUntilRetentionRemovesThem() {
        var database = ((JdbcTaskStore) engine().store()).database();
        String key = "history-" + java.util.UUID.randomUUID();
        Task keyed = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey(key).build());
        Task later = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setRunAt(at(now().plus(Duration.ofDays(1)))).build());
        Task cancelled = tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(later.getId()).build());
        Task succeeded = awaitState(keyed.getId(), TaskState.TASK_STATE_SUCCEEDED);
        List<String> ids = List.of(keyed.getId(), later.getId());

        app().clock().advance(TaskMaintenance.ARCHIVE_AFTER.plusSeconds(1));
        // the app's own maintenance may be moving them at this moment: this round then skips them
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            engine().maintenance().runOnce();
            assertThat(count(database, "tasks", ids)).as("left in the queue table").isZero();
            assertThat(count(database, "task_history", ids)).as("moved to the history").isEqualTo(2);
        });

        assertThat(get(keyed.getId())).isEqualTo(succeeded);
        assertThat(get(later.getId())).isEqualTo(cancelled);
        Task live = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setRunAt(at(now().plus(Duration.ofDays(1)))).build());
        // pages of two over both tables: newest first, each task once, the moved ones among the live ones
        List<Task> listed = new ArrayList<>();
        String token = "";
        do {
            ListTasksResponse page = tasks.listTasks(ListTasksRequest.newBuilder().setType("noop").setPageSize(2).setPageToken(token).build());
            listed.addAll(page.getTasksList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        List<String> listedIds = listed.stream().map(Task::getId).toList();
        assertThat(listedIds).doesNotHaveDuplicates().contains(keyed.getId(), later.getId(), live.getId());
        assertThat(listedIds.indexOf(live.getId())).isLessThan(listedIds.indexOf(later.getId()))
                .isLessThan(listedIds.indexOf(keyed.getId()));
        java.util.Comparator<Task> newestFirst = java.util.Comparator.comparing((Task t) -> Times.toInstant(t.getCreateTime()))
                .thenComparing(Task::getId).reversed();
        assertThat(listed).isSortedAccordingTo(newestFirst);
        assertThat(tasks.listTasks(ListTasksRequest.newBuilder().setType("noop").addStates(TaskState.TASK_STATE_CANCELLED)
                .setPageSize(1000).build()).getTasksList()).contains(cancelled);

        Task again = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey(key).build());
        assertThat(again).as("the key still names the moved task").isEqualTo(succeeded);
        long keptInQueue = database.read(connection -> Sql.one(connection, "SELECT COUNT(*) FROM tasks WHERE idempotency_key = ?",
                List.of(key), row -> row.getLong(1)).orElseThrow());
        assertThat(keptInQueue).as("no second task for the key").isZero();
        assertThat(reason(failure(Code.FAILED_PRECONDITION,
                () -> tasks.cancelTask(CancelTaskRequest.newBuilder().setTaskId(keyed.getId()).build())))).isEqualTo("TASK_FINISHED");
        assertThat(reason(failure(Code.FAILED_PRECONDITION,
                () -> tasks.retryTask(RetryTaskRequest.newBuilder().setTaskId(later.getId()).build())))).isEqualTo("TASK_NOT_DEAD");

        // the retention pass, as of a day after the history's retention has passed for them
        Duration retention = app().config().get("finehero.tasks.retention").as(Duration.class).get();
        Retention pass = new Retention(database, List.of(new Retention.Kept(JdbcTaskStore.HISTORY, retention)),
                java.time.Clock.fixed(now().plus(retention).plus(Duration.ofDays(2)), java.time.ZoneOffset.UTC));
        // a scheduled table_retention run holding the pass's lock makes this one skip: try again
        await().atMost(Duration.ofSeconds(20)).until(() -> !pass.keep().getFirst().skipped());
        failure(Code.NOT_FOUND, () -> get(keyed.getId()));
        failure(Code.NOT_FOUND, () -> get(later.getId()));
        assertThat(get(live.getId()).getState()).isEqualTo(TaskState.TASK_STATE_PENDING);
    }

    private static long count(com.finehero.server.platform.db.Database database, String table, List<String> ids) {
        return database.read(connection -> Sql.one(connection, "SELECT COUNT(*) FROM " + table + " WHERE id IN ("
                + Sql.placeholders(ids.size()) + ")", ids, row -> row.getLong(1)).orElseThrow());
    }

    @Test
    void transactionalEnqueueCommitsAndRollsBackWithTheCallersWrite() {
        var database = ((JdbcTaskStore) engine().store()).database();
        String key = "tx-" + java.util.UUID.randomUUID();
        assertThatThrownBy(() -> database.inTransaction(connection -> {
            engine().enqueue(connection, Principal.SYSTEM, SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey(key + "-rolled").build());
            throw new IllegalStateException("the caller's own write failed");
        })).isInstanceOf(IllegalStateException.class).hasMessage("the caller's own write failed");
        Task committed = database.inTransaction(connection -> engine().enqueue(connection, Principal.SYSTEM,
                SubmitTaskRequest.newBuilder().setType("noop").setIdempotencyKey(key).build()));
        engine().wakeUp();
        awaitState(committed.getId(), TaskState.TASK_STATE_SUCCEEDED);
        List<String> keys = tasks.listTasks(ListTasksRequest.newBuilder().setType("noop").setPageSize(100).build())
                .getTasksList().stream().map(Task::getIdempotencyKey).toList();
        assertThat(keys).contains(key).doesNotContain(key + "-rolled");
    }

    @Test
    void watchStreamsEveryStateChangeAndProgressUntilTheEnd() throws Exception {
        Semaphore step = new Semaphore(0);
        TestHandler handler = register(TestHandler.of(context -> {
            for (int percent = 25; percent <= 75; percent += 25) {
                step.acquire();
                context.progress(percent, "step " + percent);
            }
            step.acquire();
            return Struct.newBuilder().putFields("steps", Value.newBuilder().setNumberValue(3).build()).build();
        }));
        String id = tasks.submitTask(request(handler).build()).getId();
        List<Task> seen = Collections.synchronizedList(new ArrayList<>());
        Thread watcher = Thread.ofVirtual().start(() -> TasksServiceGrpc.newBlockingStub(app().channel())
                .withDeadlineAfter(Duration.ofSeconds(30))
                .watchTask(WatchTaskRequest.newBuilder().setTaskId(id).build())
                .forEachRemaining(seen::add));
        await().atMost(Duration.ofSeconds(20)).until(() -> !seen.isEmpty() && seen.getLast().getState() == TaskState.TASK_STATE_RUNNING);
        for (int i = 1; i <= 3; i++) {
            int expected = 25 * i;
            step.release();
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.getLast().getProgressPercent() == expected);
        }
        step.release();
        watcher.join(Duration.ofSeconds(20));
        assertThat(watcher.isAlive()).isFalse();
        assertThat(seen.getLast().getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        assertThat(seen.stream().filter(t -> t.getState() == TaskState.TASK_STATE_RUNNING).map(Task::getProgressMessage))
                .containsSubsequence("step 25", "step 50", "step 75");
        assertThat(seen).extracting(Task::getVersion).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void restSubmitGetAndWatchAsServerSentEvents() throws Exception {
        HttpResponse<String> submitted = app().send(HttpRequest.newBuilder(app().uri("/v1/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"noop\", \"payload\": {\"note\": \"rest\"}, "
                        + "\"priority\": \"TASK_PRIORITY_HIGH\"}")).build());
        assertThat(submitted.statusCode()).isEqualTo(200);
        Task task = RestCalls.parse(submitted, Task.getDefaultInstance());
        assertThat(task.getPriority()).isEqualTo(TaskPriority.TASK_PRIORITY_HIGH);
        awaitState(task.getId(), TaskState.TASK_STATE_SUCCEEDED);

        HttpResponse<String> watched = app().get("/v1/tasks/" + task.getId() + ":watch");
        assertThat(watched.statusCode()).isEqualTo(200);
        assertThat(watched.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(watched.body()).startsWith("data: ").contains("TASK_STATE_SUCCEEDED");

        HttpResponse<String> bad = app().send(HttpRequest.newBuilder(app().uri("/v1/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"noop\", \"payload\": {\"bogus\": 1}}")).build());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("payload.bogus");

        HttpResponse<String> stats = app().get("/v1/tasks:stats?type=noop");
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(RestCalls.parse(stats, QueueStats.getDefaultInstance()).getDepthsList()).isNotEmpty();

        HttpResponse<String> cancelFinished = app().send(HttpRequest.newBuilder(app().uri("/v1/tasks/" + task.getId() + ":cancel"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(cancelFinished.statusCode()).isEqualTo(400);
        assertThat(cancelFinished.body()).contains("cannot be cancelled");
    }

    @Test
    void listFiltersAndPages() {
        TestHandler handler = register(TestHandler.of(context -> Struct.getDefaultInstance()));
        Instant later = now().plus(Duration.ofDays(1));
        for (int i = 0; i < 5; i++) {
            tasks.submitTask(request(handler).setRunAt(at(later))
                    .setPriority(i % 2 == 0 ? TaskPriority.TASK_PRIORITY_LOW : TaskPriority.TASK_PRIORITY_HIGH).build());
        }
        ListTasksResponse first = tasks.listTasks(ListTasksRequest.newBuilder().setType(handler.type().name()).setPageSize(2).build());
        assertThat(first.getTasksList()).hasSize(2);
        ListTasksResponse second = tasks.listTasks(ListTasksRequest.newBuilder().setType(handler.type().name()).setPageSize(2)
                .setPageToken(first.getNextPageToken()).build());
        ListTasksResponse third = tasks.listTasks(ListTasksRequest.newBuilder().setType(handler.type().name()).setPageSize(2)
                .setPageToken(second.getNextPageToken()).build());
        assertThat(third.getTasksList()).hasSize(1);
        assertThat(third.getNextPageToken()).isEmpty();
        assertThat(tasks.listTasks(ListTasksRequest.newBuilder().setType(handler.type().name())
                .setPriority(TaskPriority.TASK_PRIORITY_LOW).build()).getTasksList()).hasSize(3);
        failure(Code.INVALID_ARGUMENT, () -> tasks.listTasks(ListTasksRequest.newBuilder().setType("noop")
                .setPageToken(first.getNextPageToken()).build()));
        QueueStats stats = tasks.getQueueStats(GetQueueStatsRequest.newBuilder().setType(handler.type().name()).build());
        assertThat(stats.getDepthsList()).anySatisfy(d -> {
            assertThat(d.getPriority()).isEqualTo(TaskPriority.TASK_PRIORITY_LOW);
            assertThat(d.getState()).isEqualTo(TaskState.TASK_STATE_PENDING);
            assertThat(d.getCount()).isEqualTo(3);
        });
        assertThat(stats.getWorkersHere()).isPositive();
    }

    @Test
    void theOverdueSweepIsARecurringTask() {
        var fines = com.finehero.api.fines.v1.FinesServiceGrpc.newBlockingStub(app().channel()); // the client channel gives every call its own deadline
        String jurisdiction = "TS-" + java.util.UUID.randomUUID().toString().substring(0, 6).toUpperCase();
        var fine = fines.createFine(com.finehero.api.fines.v1.CreateFineRequest.newBuilder().setFine(
                com.finehero.api.fines.v1.Fine.newBuilder().setCitationNumber("OD-1").setJurisdiction(jurisdiction)
                        .setViolationCode("V1").setAmount(com.finehero.api.common.v1.Money.newBuilder().setCurrencyCode("USD").setAmountMinor(100))
                        .setIssueTime(at(now().minus(Duration.ofDays(1)))).setDueTime(at(now().plusSeconds(30)))).build());
        List<Task> live = tasks.listTasks(ListTasksRequest.newBuilder().setType("overdue_sweep")
                .addStates(TaskState.TASK_STATE_PENDING).build()).getTasksList();
        assertThat(live).hasSize(1);
        Task sweep = live.getFirst();
        assertThat(sweep.getCron()).isEqualTo("* * * * *");
        assertThat(sweep.getSubmitter()).isEqualTo("system");
        app().clock().set(Times.toInstant(sweep.getRunAt()).plusSeconds(61));
        Task done = awaitState(sweep.getId(), TaskState.TASK_STATE_SUCCEEDED);
        assertThat(done.getResult().getFieldsOrThrow("marked_overdue").getNumberValue()).isGreaterThanOrEqualTo(1);
        assertThat(fines.getFine(com.finehero.api.fines.v1.GetFineRequest.newBuilder().setFineId(fine.getId()).build()).getStatus())
                .isEqualTo(com.finehero.api.fines.v1.FineStatus.FINE_STATUS_OVERDUE);
        await().atMost(Duration.ofSeconds(20)).until(() -> tasks.listTasks(ListTasksRequest.newBuilder().setType("overdue_sweep")
                .addStates(TaskState.TASK_STATE_PENDING).build()).getTasksCount() == 1);
        // a restarted instance keeps the live schedule instead of starting a second one
        assertThat(engine().ensureRecurring("overdue_sweep", "* * * * *")).isPresent();
        assertThat(tasks.listTasks(ListTasksRequest.newBuilder().setType("overdue_sweep")
                .addStates(TaskState.TASK_STATE_PENDING).build()).getTasksCount()).isEqualTo(1);
    }

    @Test
    void theRetentionPassOfAuditEventsAndTaskHistoryIsARecurringTask() {
        List<Task> live = tasks.listTasks(ListTasksRequest.newBuilder().setType("table_retention")
                .addStates(TaskState.TASK_STATE_PENDING).build()).getTasksList();
        assertThat(live).hasSize(1);
        Task pass = live.getFirst();
        assertThat(pass.getCron()).isEqualTo("23 * * * *");
        assertThat(pass.getSubmitter()).isEqualTo("system");
        if (now().isBefore(Times.toInstant(pass.getRunAt()))) {
            app().clock().set(Times.toInstant(pass.getRunAt()).plusSeconds(1));
        }
        Task done = awaitState(pass.getId(), TaskState.TASK_STATE_SUCCEEDED);
        Struct audit = done.getResult().getFieldsOrThrow("audit_events").getStructValue();
        assertThat(audit.getFieldsOrThrow("skipped").getBoolValue()).isFalse();
        assertThat(audit.getFieldsOrThrow("partitions_dropped").getNumberValue()).isZero();
        Struct history = done.getResult().getFieldsOrThrow("task_history").getStructValue();
        assertThat(history.getFieldsOrThrow("skipped").getBoolValue()).isFalse();
    }

    static Struct payload(String key, String value) {
        return Struct.newBuilder().putFields(key, Value.newBuilder().setStringValue(value).build()).build();
    }
}
