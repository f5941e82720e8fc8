package com.finehero.server.tasks;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.tasks.v1.CancelTaskRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.ListTasksRequest;
import com.finehero.api.tasks.v1.RetryTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksProto;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.api.tasks.v1.WatchTaskRequest;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.finehero.server.testing.TestSession;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Who may do what with tasks, generated from the task-type registry: every registered type, as every
 * role, through every action (submit, get, list, watch, cancel, retry) on their own task and on
 * another caller's, gets exactly the outcome the rules in docs/security.md ("Tasks") give; a
 * representative part again over REST. Tasks to act on are queued straight into the store, due in a
 * day, so none runs and any role can own any type. Each backend runs it through a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TaskAccessContractTest {

    abstract FineHeroExtension app();

    private static final List<Role> ROLES = List.of(Role.ROLE_ADMIN, Role.ROLE_ANALYST, Role.ROLE_VIEWER, Role.ROLE_API_USER);
    private final Map<Role, TestSession> users = new EnumMap<>(Role.class);
    private final Principal stranger = new Principal(UUID.randomUUID().toString(), "stranger",
            Set.of(Role.ROLE_VIEWER, Role.ROLE_API_USER), Principal.Credential.ACCESS_TOKEN, "", null);
    private Fine viewersContestedFine;

    @BeforeAll
    void users() {
        for (Role role : ROLES) {
            users.put(role, app().userWith(role));
        }
        viewersContestedFine = contestedFineOf(users.get(Role.ROLE_VIEWER));
    }

    TaskEngine engine() {
        return app().app().tasks();
    }

    TasksServiceGrpc.TasksServiceBlockingStub tasksAs(Role role) {
        return TasksServiceGrpc.newBlockingStub(users.get(role).channel());
    }

    Principal principal(Role role) {
        return new Principal(users.get(role).userId(), users.get(role).username(), Set.of(role), Principal.Credential.ACCESS_TOKEN, "", null);
    }

    /** A task of this type owned by {@code owner}, due in a day; CANCELLED at once when {@code finished}. */
    Task seed(Principal owner, String type, boolean finished) {
        Instant now = Times.truncate(app().clock().instant());
        Instant later = now.plus(Duration.ofDays(1));
        Task task = engine().store().submit(List.of(new TaskStore.NewTask(UUID.randomUUID().toString(), type, "{}", 2,
                later, later, null, null, 3, 1000, now, owner))).getFirst();
        return finished ? engine().store().cancel(task.getId(), now) : task;
    }

    Fine contestedFineOf(TestSession owner) {
        long now = app().clock().instant().getEpochSecond();
        Fine fine = FinesServiceGrpc.newBlockingStub(app().channel()).createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("TA-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction("US-CA-SF")
                .setViolationCode("P").setOwnerId(owner.userId())
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
        return FinesServiceGrpc.newBlockingStub(owner.channel()).contestFine(ContestFineRequest.newBuilder()
                .setFineId(fine.getId()).setReason("the sign was hidden").build());
    }

    /** A submission of this type that passes its payload checks, due in a day. */
    SubmitTaskRequest validSubmission(String type) {
        Struct.Builder payload = Struct.newBuilder();
        switch (type) {
            case "fine_import" -> payload.putFields("csv", string("citation_number,jurisdiction,violation_code,amount,currency,issue_time,due_time"));
            case "appeal_letter" -> payload.putFields("fine_id", string(viewersContestedFine.getId()));
            case "alert_webhook" -> payload.putFields("alert", string("{}"));
            case "fines_report" -> payload.putFields("from", string("2026-01-01")).putFields("to", string("2026-02-01"));
            default -> { }
        }
        return SubmitTaskRequest.newBuilder().setType(type).setPayload(payload)
                .setRunAt(Times.toProto(app().clock().instant().plus(Duration.ofDays(1)))).build();
    }

    static Value string(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    // ---- the rules, restated independently of TaskAccess ----

    static Set<Role> declared(TaskType type) {
        return type.submitters() instanceof TaskType.Submitters.AnyRole any ? any.roles() : Set.of();
    }

    static Code submitOutcome(TaskType type, Role role) {
        return declared(type).contains(role) ? Code.OK : Code.PERMISSION_DENIED;
    }

    static boolean sees(Role role, boolean own) {
        return own || role == Role.ROLE_ADMIN || role == Role.ROLE_ANALYST;
    }

    /** Cancel or retry: what passes the access check; {@code allowed} is the code of a permitted change. */
    static Code changeOutcome(TaskType type, Role role, boolean own, Code allowed) {
        if (role == Role.ROLE_ANALYST) {
            return Code.PERMISSION_DENIED; // analysts read and change nothing (refused at the door)
        }
        if (!sees(role, own)) {
            return Code.NOT_FOUND;
        }
        if (type.submitters() instanceof TaskType.Submitters.InternalOnly) {
            return Code.PERMISSION_DENIED;
        }
        if (role == Role.ROLE_ADMIN || (own && declared(type).contains(role))) {
            return allowed;
        }
        return Code.PERMISSION_DENIED;
    }

    static Code codeOf(Runnable call) {
        try {
            call.run();
            return Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyTypeForEveryRoleAndActionOnGrpc() {
        List<DynamicTest> tests = new ArrayList<>();
        List<TaskType> types = engine().types();
        assertThat(types).extracting(TaskType::name).contains("fine_import", "fines_export", "appeal_letter",
                "document_reindex", "overdue_sweep", "alert_webhook");
        for (TaskType type : types) {
            for (Role role : ROLES) {
                String name = type.name() + " as " + role.name();
                tests.add(DynamicTest.dynamicTest("submit " + name, () -> assertThat(codeOf(() ->
                        tasksAs(role).submitTask(validSubmission(type.name())))).as("submit " + name).isEqualTo(submitOutcome(type, role))));
                for (boolean own : List.of(true, false)) {
                    String whose = name + (own ? " (own)" : " (another's)");
                    Supplier<Principal> owner = () -> own ? principal(role) : stranger;
                    Code visible = sees(role, own) ? Code.OK : Code.NOT_FOUND;
                    tests.add(DynamicTest.dynamicTest("get " + whose, () -> {
                        Task task = seed(owner.get(), type.name(), true);
                        assertThat(codeOf(() -> tasksAs(role).getTask(GetTaskRequest.newBuilder().setTaskId(task.getId()).build())))
                                .as("get " + whose).isEqualTo(visible);
                    }));
                    tests.add(DynamicTest.dynamicTest("list " + whose, () -> {
                        Task task = seed(owner.get(), type.name(), true);
                        List<String> listed = tasksAs(role).listTasks(ListTasksRequest.newBuilder().setType(type.name())
                                .addStates(TaskState.TASK_STATE_CANCELLED).setPageSize(100).build())
                                .getTasksList().stream().map(Task::getId).toList();
                        assertThat(listed.contains(task.getId())).as("list " + whose).isEqualTo(visible == Code.OK);
                    }));
                    tests.add(DynamicTest.dynamicTest("watch " + whose, () -> {
                        Task task = seed(owner.get(), type.name(), true);
                        assertThat(codeOf(() -> tasksAs(role).watchTask(WatchTaskRequest.newBuilder().setTaskId(task.getId()).build())
                                .forEachRemaining(t -> { }))).as("watch " + whose).isEqualTo(visible);
                    }));
                    tests.add(DynamicTest.dynamicTest("cancel " + whose, () -> {
                        Task task = seed(owner.get(), type.name(), false);
                        assertThat(codeOf(() -> tasksAs(role).cancelTask(CancelTaskRequest.newBuilder().setTaskId(task.getId()).build())))
                                .as("cancel " + whose).isEqualTo(changeOutcome(type, role, own, Code.OK));
                    }));
                    tests.add(DynamicTest.dynamicTest("retry " + whose, () -> {
                        Task task = seed(owner.get(), type.name(), false);
                        // a PENDING task is not DEAD: a caller let through is refused on its state
                        assertThat(codeOf(() -> tasksAs(role).retryTask(RetryTaskRequest.newBuilder().setTaskId(task.getId()).build())))
                                .as("retry " + whose).isEqualTo(changeOutcome(type, role, own, Code.FAILED_PRECONDITION));
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> getAndCancelOverRest() {
        List<DynamicTest> tests = new ArrayList<>();
        TaskType noop = engine().types().stream().filter(t -> t.name().equals("noop")).findFirst().orElseThrow();
        for (Role role : ROLES) {
            for (boolean own : List.of(true, false)) {
                String whose = role.name() + (own ? " (own)" : " (another's)");
                Supplier<Principal> owner = () -> own ? principal(role) : stranger;
                tests.add(DynamicTest.dynamicTest("rest get noop as " + whose, () -> {
                    Task task = seed(owner.get(), "noop", true);
                    assertThat(rest(role, "GetTask", GetTaskRequest.newBuilder().setTaskId(task.getId()).build()))
                            .as("rest get " + whose).isEqualTo(http(sees(role, own) ? Code.OK : Code.NOT_FOUND));
                }));
                tests.add(DynamicTest.dynamicTest("rest cancel noop as " + whose, () -> {
                    Task task = seed(owner.get(), "noop", false);
                    assertThat(rest(role, "CancelTask", CancelTaskRequest.newBuilder().setTaskId(task.getId()).build()))
                            .as("rest cancel " + whose).isEqualTo(http(changeOutcome(noop, role, own, Code.OK)));
                }));
            }
        }
        return tests.stream();
    }

    int rest(Role role, String rpc, Message request) {
        HttpRequest http = RestCalls.toHttp(URI.create("http://127.0.0.1:" + app().port()),
                TasksProto.getDescriptor().findServiceByName("TasksService").findMethodByName(rpc), request);
        HttpResponse<String> response = app().sendAnonymous(HttpRequest.newBuilder(http, (n, v) -> true)
                .header("authorization", "Bearer " + users.get(role).accessToken()).build());
        return response.statusCode();
    }

    static int http(Code code) {
        return switch (code) {
            case OK -> 200;
            case NOT_FOUND -> 404;
            case PERMISSION_DENIED -> 403;
            default -> throw new IllegalArgumentException(code.name());
        };
    }

    // ---- regressions, by name ----

    @Test
    void analystCanNoLongerImportFinesCancelTheSweepOrSendAlerts() {
        StatusRuntimeException imported = failure(Code.PERMISSION_DENIED, () -> tasksAs(Role.ROLE_ANALYST).submitTask(validSubmission("fine_import")));
        assertThat(reason(imported)).isEqualTo("TASK_TYPE_NOT_ALLOWED");
        assertThat(imported.getStatus().getDescription()).contains("fine_import may be submitted by ADMIN, API_USER");
        StatusRuntimeException alert = failure(Code.PERMISSION_DENIED, () -> tasksAs(Role.ROLE_ANALYST).submitTask(validSubmission("alert_webhook")));
        assertThat(reason(alert)).isEqualTo("TASK_TYPE_INTERNAL");
        Task sweep = seed(Principal.SYSTEM, "overdue_sweep", false);
        failure(Code.PERMISSION_DENIED, () -> tasksAs(Role.ROLE_ANALYST).cancelTask(CancelTaskRequest.newBuilder().setTaskId(sweep.getId()).build()));
        // not even an admin stops or forges what only the server schedules
        failure(Code.PERMISSION_DENIED, () -> tasksAs(Role.ROLE_ADMIN).cancelTask(CancelTaskRequest.newBuilder().setTaskId(sweep.getId()).build()));
        failure(Code.PERMISSION_DENIED, () -> tasksAs(Role.ROLE_ADMIN).submitTask(validSubmission("alert_webhook")));
        assertThat(engine().find(sweep.getId()).orElseThrow().getState()).isEqualTo(TaskState.TASK_STATE_PENDING);
    }

    @Test
    void aViewerSeesOnlyTheirOwnTasks() {
        Task mine = tasksAs(Role.ROLE_VIEWER).submitTask(validSubmission("appeal_letter"));
        assertThat(mine.getSubmitter()).isEqualTo(users.get(Role.ROLE_VIEWER).userId());
        Task theirs = tasksAs(Role.ROLE_API_USER).submitTask(validSubmission("noop"));
        List<Task> listed = tasksAs(Role.ROLE_VIEWER).listTasks(ListTasksRequest.newBuilder().setPageSize(100).build()).getTasksList();
        assertThat(listed).extracting(Task::getSubmitter).containsOnly(users.get(Role.ROLE_VIEWER).userId());
        assertThat(listed).extracting(Task::getId).contains(mine.getId()).doesNotContain(theirs.getId());
        failure(Code.NOT_FOUND, () -> tasksAs(Role.ROLE_VIEWER).getTask(GetTaskRequest.newBuilder().setTaskId(theirs.getId()).build()));
    }

    @Test
    void listPagesOfAnOwnOnlyCallerAreFullPagesOfTheirOwn() {
        String type = "noop";
        for (int i = 0; i < 3; i++) {
            seed(principal(Role.ROLE_API_USER), type, true);
            seed(stranger, type, true);
            seed(stranger, type, true);
        }
        var first = tasksAs(Role.ROLE_API_USER).listTasks(ListTasksRequest.newBuilder().setType(type)
                .addStates(TaskState.TASK_STATE_CANCELLED).setPageSize(2).build());
        // filtered in the query, not after paging: a page is full of the caller's own tasks
        assertThat(first.getTasksList()).hasSize(2).extracting(Task::getSubmitter).containsOnly(users.get(Role.ROLE_API_USER).userId());
        assertThat(first.getNextPageToken()).isNotEmpty();
    }

    @Test
    void aViewerDraftsAppealLettersOnlyForTheirOwnFines() {
        Fine othersFine = contestedFineOf(app().userWith(Role.ROLE_VIEWER));
        SubmitTaskRequest request = validSubmission("appeal_letter").toBuilder()
                .setPayload(Struct.newBuilder().putFields("fine_id", string(othersFine.getId()))).build();
        StatusRuntimeException refused = failure(Code.INVALID_ARGUMENT, () -> tasksAs(Role.ROLE_VIEWER).submitTask(request));
        assertThat(refused.getStatus().getDescription()).contains("does not exist");
        assertThat(tasksAs(Role.ROLE_ADMIN).submitTask(request).getSubmitter()).isEqualTo(users.get(Role.ROLE_ADMIN).userId());
    }

    @Test
    void idempotencyKeysBelongToTheirCaller() {
        TestSession other = app().userWith(Role.ROLE_API_USER);
        String key = "shared-" + UUID.randomUUID();
        Task mine = tasksAs(Role.ROLE_API_USER).submitTask(validSubmission("noop").toBuilder().setIdempotencyKey(key).build());
        Task theirs = TasksServiceGrpc.newBlockingStub(other.channel()).submitTask(validSubmission("noop").toBuilder().setIdempotencyKey(key).build());
        assertThat(theirs.getId()).isNotEqualTo(mine.getId());
        assertThat(theirs.getSubmitter()).isEqualTo(other.userId());
        assertThat(tasksAs(Role.ROLE_API_USER).submitTask(validSubmission("noop").toBuilder().setIdempotencyKey(key).build()).getId())
                .isEqualTo(mine.getId());
    }

    @Test
    void aHandlerRunsAsItsSubmitter() {
        TestHandler whoAmI = TestHandler.of(context -> Struct.newBuilder()
                .putFields("subject", string(Principal.current().subject()))
                .putFields("roles", string(Principal.current().roles().toString())).build());
        engine().register(whoAmI);
        Task task = tasksAs(Role.ROLE_API_USER).submitTask(SubmitTaskRequest.newBuilder().setType(whoAmI.type().name()).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> engine().find(task.getId()).orElseThrow().getState() == TaskState.TASK_STATE_SUCCEEDED);
        Struct result = engine().find(task.getId()).orElseThrow().getResult();
        assertThat(result.getFieldsOrThrow("subject").getStringValue()).isEqualTo(users.get(Role.ROLE_API_USER).userId());
        assertThat(result.getFieldsOrThrow("roles").getStringValue()).isEqualTo("[ROLE_API_USER]");
    }

    @Test
    void watchesPerCallerAreCapped() throws Exception {
        Task pending = seed(principal(Role.ROLE_API_USER), "noop", false);
        TasksServiceGrpc.TasksServiceStub async = TasksServiceGrpc.newStub(users.get(Role.ROLE_API_USER).channel());
        List<Context.CancellableContext> open = new CopyOnWriteArrayList<>();
        try {
            CountDownLatch started = new CountDownLatch(4);
            for (int i = 0; i < 4; i++) {
                Context.CancellableContext watch = Context.current().withCancellation();
                open.add(watch);
                watch.run(() -> async.watchTask(WatchTaskRequest.newBuilder().setTaskId(pending.getId()).build(), new StreamObserver<>() {
                    @Override public void onNext(Task value) {
                        started.countDown();
                    }
                    @Override public void onError(Throwable t) { }
                    @Override public void onCompleted() { }
                }));
            }
            assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
            StatusRuntimeException refused = failure(Code.RESOURCE_EXHAUSTED, () -> tasksAs(Role.ROLE_API_USER)
                    .watchTask(WatchTaskRequest.newBuilder().setTaskId(pending.getId()).build()).forEachRemaining(t -> { }));
            assertThat(refused.getStatus().getDescription()).contains("finehero.tasks.max-watches-per-user = 4");
            // another caller has watches of their own
            Iterator<Task> others = tasksAs(Role.ROLE_ADMIN).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .watchTask(WatchTaskRequest.newBuilder().setTaskId(pending.getId()).build());
            assertThat(others.next().getId()).isEqualTo(pending.getId());
        } finally {
            open.forEach(watch -> watch.cancel(null));
        }
        // closed watches give their slots back
        await().atMost(Duration.ofSeconds(10)).until(() -> codeOf(() -> tasksAs(Role.ROLE_API_USER).withDeadlineAfter(1, TimeUnit.SECONDS)
                .watchTask(WatchTaskRequest.newBuilder().setTaskId(seed(principal(Role.ROLE_API_USER), "noop", true).getId()).build())
                .forEachRemaining(t -> { })) == Code.OK);
    }
}
