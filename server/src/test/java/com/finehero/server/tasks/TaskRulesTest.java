package com.finehero.server.tasks;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskPriority;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.testing.SettableClock;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The task engine's decisions without a database: the clock is moved by hand, the jitter is fixed. */
class TaskRulesTest {

    static final Duration AGING = Duration.ofMinutes(1);
    static final Duration PAST_TOLERANCE = Duration.ofMinutes(5);
    static final TaskHandler.Defaults DEFAULTS = new TaskHandler.Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(1), 4);

    final SettableClock clock = new SettableClock();
    /** Jitter 0.5 is the middle of [1 - JITTER, 1 + JITTER]: the delay is exactly base x 2^(n-1). */
    final TaskRules rules = new TaskRules(clock, AGING, PAST_TOLERANCE, () -> 0.5);

    @BeforeEach
    void setUp() {
        clock.set(Instant.parse("2026-11-23T10:02:30Z"));
    }

    static SubmitTaskRequest.Builder request() {
        return SubmitTaskRequest.newBuilder().setType("t_rules");
    }

    TaskStore.NewTask submitted(SubmitTaskRequest.Builder request) {
        return rules.newTask(request.build(), DEFAULTS, Principal.SYSTEM);
    }

    @Test
    void aSubmissionTakesTheTypeDefaultsWhereTheRequestIsSilent() {
        TaskStore.NewTask task = submitted(request().setPayload(Struct.newBuilder()
                .putFields("label", Value.newBuilder().setStringValue("a").build())));
        assertThat(task.type()).isEqualTo("t_rules");
        assertThat(task.payloadJson()).isEqualTo("{\"label\":\"a\"}");
        assertThat(task.runAt()).isEqualTo(clock.instant());
        assertThat(task.priority()).isEqualTo(TaskPriority.TASK_PRIORITY_NORMAL_VALUE);
        assertThat(task.maxAttempts()).isEqualTo(3);
        assertThat(task.backoffMs()).isEqualTo(10_000);
        assertThat(task.cron()).isNull();
        assertThat(task.idempotencyKey()).isNull();

        TaskStore.NewTask chosen = submitted(request().setMaxAttempts(7).setIdempotencyKey("k")
                .setRetryBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(2)));
        assertThat(chosen.maxAttempts()).isEqualTo(7);
        assertThat(chosen.backoffMs()).isEqualTo(2_000);
        assertThat(chosen.idempotencyKey()).isEqualTo("k");
        assertThat(submitted(request().setRetryBackoff(com.google.protobuf.Duration.newBuilder().setNanos(1_000))).backoffMs())
                .as("a backoff under a second is raised to one").isEqualTo(1_000);
    }

    @Test
    void eachPriorityLevelIsWorthOneAgingOfWaiting() {
        Instant now = clock.instant();
        TaskStore.NewTask low = submitted(request().setPriority(TaskPriority.TASK_PRIORITY_LOW));
        TaskStore.NewTask critical = submitted(request().setPriority(TaskPriority.TASK_PRIORITY_CRITICAL));
        assertThat(low.readyKey()).isEqualTo(now);
        assertThat(critical.readyKey()).isEqualTo(now.minus(AGING.multipliedBy(4)));
        assertThat(submitted(request()).readyKey()).as("unspecified is NORMAL").isEqualTo(now.minus(AGING));

        Instant lowWaitedThreeAgings = rules.readyKey(now.minus(AGING.multipliedBy(3)), TaskPriority.TASK_PRIORITY_LOW_VALUE);
        Instant lowWaitedFiveAgings = rules.readyKey(now.minus(AGING.multipliedBy(5)), TaskPriority.TASK_PRIORITY_LOW_VALUE);
        List<String> order = List.of(
                        new Queued("critical now", critical.readyKey()),
                        new Queued("low 3 agings ago", lowWaitedThreeAgings),
                        new Queued("low 5 agings ago", lowWaitedFiveAgings))
                .stream().sorted(Comparator.comparing(Queued::readyKey)).map(Queued::name).toList();
        assertThat(order).containsExactly("low 5 agings ago", "critical now", "low 3 agings ago");
    }

    private record Queued(String name, Instant readyKey) { }

    @Test
    void aRunAtInThePastIsAcceptedOnlyWithinTheTolerance() {
        Instant within = clock.instant().minus(PAST_TOLERANCE);
        assertThat(submitted(request().setRunAt(Times.toProto(within))).runAt()).isEqualTo(within);

        Instant beyond = clock.instant().minus(PAST_TOLERANCE).minusSeconds(1);
        assertThatThrownBy(() -> submitted(request().setRunAt(Times.toProto(beyond))))
                .isInstanceOfSatisfying(FineHeroException.InvalidArgument.class, e -> {
                    assertThat(e.violations()).extracting(FineHeroException.FieldViolation::field).containsExactly("run_at");
                    assertThat(e.getMessage()).contains("301 s in the past").contains("at most 300 s");
                });

        Instant future = clock.instant().plus(Duration.ofHours(2));
        TaskStore.NewTask later = submitted(request().setRunAt(Times.toProto(future)));
        assertThat(later.runAt()).isEqualTo(future);
        assertThat(later.readyKey()).isEqualTo(future.minus(AGING));
    }

    @Test
    void aCronTaskFirstRunsAtItsNextFireTimeAndThenAfterEachRun() {
        TaskStore.NewTask first = submitted(request().setCron("*/5  * * * *"));
        assertThat(first.cron()).isEqualTo("*/5 * * * *");
        assertThat(first.runAt()).isEqualTo(Instant.parse("2026-11-23T10:05:00Z"));

        Instant past = clock.instant().minus(Duration.ofMinutes(4));
        assertThat(submitted(request().setCron("*/5 * * * *").setRunAt(Times.toProto(past))).runAt())
                .as("a run_at in the past counts from now").isEqualTo(Instant.parse("2026-11-23T10:05:00Z"));

        assertThatThrownBy(() -> submitted(request().setCron("61 * * * *")))
                .isInstanceOfSatisfying(FineHeroException.InvalidArgument.class, e ->
                        assertThat(e.violations()).extracting(FineHeroException.FieldViolation::field).containsExactly("cron"));

        Task ran = Task.newBuilder().setId("t-1").setType("t_rules").setCron("*/5 * * * *")
                .setRunAt(Times.toProto(Instant.parse("2026-11-23T10:05:00Z")))
                .setPriority(TaskPriority.TASK_PRIORITY_HIGH).setMaxAttempts(3)
                .setRetryBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(10)).build();
        clock.set(Instant.parse("2026-11-23T10:05:20Z"));
        TaskStore.NewTask next = rules.nextOccurrence(ran, Principal.SYSTEM);
        assertThat(next.runAt()).isEqualTo(Instant.parse("2026-11-23T10:10:00Z"));
        assertThat(next.readyKey()).isEqualTo(Instant.parse("2026-11-23T10:08:00Z"));
        assertThat(next.id()).isNotEqualTo("t-1");
        assertThat(next.maxAttempts()).isEqualTo(3);
        assertThat(next.backoffMs()).isEqualTo(10_000);

        clock.set(Instant.parse("2026-11-23T10:17:00Z"));
        assertThat(rules.nextOccurrence(ran, Principal.SYSTEM).runAt()).as("missed fire times are not made up")
                .isEqualTo(Instant.parse("2026-11-23T10:20:00Z"));
        assertThat(rules.nextOccurrence(ran.toBuilder().setCron("").build(), Principal.SYSTEM)).isNull();
    }

    @Test
    void aFailedAttemptRunsAgainAfterADoublingBackoffCappedByItsType() {
        TaskType type = new TaskType("t_rules", PayloadSpec.empty(), DEFAULTS, TaskType.Submitters.roles(Role.ROLE_ADMIN));
        Task failed = Task.newBuilder().setId("t-1").setType("t_rules")
                .setRetryBackoff(com.google.protobuf.Duration.newBuilder().setSeconds(10)).build();
        Instant now = clock.instant();
        assertThat(rules.retryAt(failed.toBuilder().setAttempts(1).build(), Optional.of(type))).isEqualTo(now.plusSeconds(10));
        assertThat(rules.retryAt(failed.toBuilder().setAttempts(3).build(), Optional.of(type))).isEqualTo(now.plusSeconds(40));
        assertThat(rules.retryAt(failed.toBuilder().setAttempts(4).build(), Optional.of(type)))
                .as("the type's max backoff").isEqualTo(now.plus(DEFAULTS.maxBackoff()));
        assertThat(rules.retryAt(failed.toBuilder().setAttempts(20).build(), Optional.empty()))
                .as("a type this instance does not know: 64 x the task's backoff").isEqualTo(now.plus(Duration.ofSeconds(640)));

        TaskRules early = new TaskRules(clock, AGING, PAST_TOLERANCE, () -> 0);
        TaskRules late = new TaskRules(clock, AGING, PAST_TOLERANCE, () -> 1);
        Task second = failed.toBuilder().setAttempts(2).build();
        assertThat(early.retryAt(second, Optional.of(type))).isEqualTo(now.plus(Backoff.lowest(Duration.ofSeconds(10), DEFAULTS.maxBackoff(), 2)));
        assertThat(late.retryAt(second, Optional.of(type))).isEqualTo(now.plus(Backoff.highest(Duration.ofSeconds(10), DEFAULTS.maxBackoff(), 2)));

        clock.advance(Duration.ofHours(1));
        assertThat(rules.retryAt(second, Optional.of(type))).as("counted from the clock's now").isEqualTo(clock.instant().plusSeconds(20));
    }

    static Task inState(TaskState state) {
        return Task.newBuilder().setId("t-1").setState(state).setAttempts(3).setVersion(7)
                .setRunAt(Times.toProto(Instant.parse("2026-11-23T09:00:00Z"))).build();
    }

    @Test
    void aWaitingTaskIsCancelledAtOnceAndARunningOneIsAskedToStop() {
        Instant now = clock.instant();
        for (TaskState waiting : List.of(TaskState.TASK_STATE_PENDING, TaskState.TASK_STATE_FAILED)) {
            Task cancelled = rules.cancelled(inState(waiting), now).orElseThrow();
            assertThat(cancelled.getState()).as("cancelled from %s", waiting).isEqualTo(TaskState.TASK_STATE_CANCELLED);
            assertThat(Times.toInstant(cancelled.getFinishTime())).isEqualTo(now);
            assertThat(Times.toInstant(cancelled.getUpdateTime())).isEqualTo(now);
            assertThat(cancelled.getVersion()).isEqualTo(8);
            assertThat(cancelled.getCancelRequested()).isFalse();
        }

        Task asked = rules.cancelled(inState(TaskState.TASK_STATE_RUNNING), now).orElseThrow();
        assertThat(asked.getState()).as("the handler stops it").isEqualTo(TaskState.TASK_STATE_RUNNING);
        assertThat(asked.getCancelRequested()).isTrue();
        assertThat(asked.hasFinishTime()).isFalse();
        assertThat(asked.getVersion()).isEqualTo(8);

        assertThat(rules.cancelled(asked, now)).as("asking twice changes nothing").isEmpty();
    }

    @Test
    void aDeadTaskIsRetriedFromScratchDueNow() {
        Task dead = inState(TaskState.TASK_STATE_DEAD).toBuilder().setFinishTime(Times.toProto(clock.instant())).build();
        clock.advance(Duration.ofMinutes(3));
        Task retried = rules.retried(dead, clock.instant());
        assertThat(retried.getState()).isEqualTo(TaskState.TASK_STATE_PENDING);
        assertThat(retried.getAttempts()).isZero();
        assertThat(Times.toInstant(retried.getRunAt())).isEqualTo(clock.instant());
        assertThat(retried.hasFinishTime()).isFalse();
        assertThat(Times.toInstant(retried.getUpdateTime())).isEqualTo(clock.instant());
        assertThat(retried.getVersion()).isEqualTo(8);
    }

    @Test
    void refusesToCancelAFinishedTaskAndToRetryOneThatIsNotDead() {
        assertThat(List.of(TaskState.values())).filteredOn(state -> state != TaskState.UNRECOGNIZED)
                .filteredOn(TaskRules::finished)
                .containsExactlyInAnyOrder(TaskState.TASK_STATE_SUCCEEDED, TaskState.TASK_STATE_DEAD, TaskState.TASK_STATE_CANCELLED);

        for (TaskState finished : List.of(TaskState.TASK_STATE_SUCCEEDED, TaskState.TASK_STATE_DEAD, TaskState.TASK_STATE_CANCELLED)) {
            assertThatThrownBy(() -> rules.cancelled(inState(finished), clock.instant()))
                    .isInstanceOfSatisfying(FineHeroException.FailedPrecondition.class, e -> {
                        assertThat(e.reason()).isEqualTo("TASK_FINISHED");
                        assertThat(e.getMessage()).isEqualTo("task t-1 is " + TaskRules.name(finished) + " and cannot be cancelled");
                    });
        }
        for (TaskState notDead : List.of(TaskState.TASK_STATE_PENDING, TaskState.TASK_STATE_RUNNING, TaskState.TASK_STATE_FAILED,
                TaskState.TASK_STATE_SUCCEEDED, TaskState.TASK_STATE_CANCELLED)) {
            assertThatThrownBy(() -> rules.retried(inState(notDead), clock.instant()))
                    .isInstanceOfSatisfying(FineHeroException.FailedPrecondition.class, e -> {
                        assertThat(e.reason()).isEqualTo("TASK_NOT_DEAD");
                        assertThat(e.getMessage()).isEqualTo("task t-1 is " + TaskRules.name(notDead) + "; only a DEAD task can be retried");
                    });
        }
    }
}
