package com.finehero.server.platform;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.api.common.v1.Money;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.OwnPgBouncer;
import com.google.protobuf.FieldMask;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * FineHero behind PgBouncer in transaction mode ({@code finehero.db.pooler: pgbouncer-transaction}), a
 * PgBouncer of the test's own in front of the machine's PostgreSQL, with three server sessions handed
 * out round-robin: every transaction may be another server session, so a prepared statement, a session
 * {@code SET} or a LISTEN on the pooled connections would break a call or leak into the next one.
 * Migrations and the event feed's LISTEN go to {@code finehero.db.direct-url}.
 */
@Tag("scaleout")
class PgBouncerTransactionTest {

    static final OwnPgBouncer BOUNCER = OwnPgBouncer.inFrontOf(Backend.pgUrl(), Backend.pgUser(), 3);

    @RegisterExtension
    static final FineHeroExtension APP = BOUNCER.configure(FineHeroExtension.on(Backend.POSTGRES_REDIS));

    @AfterAll
    static void stopBouncer() {
        BOUNCER.close();
    }

    @Test
    void thePoolerMovesAClientsTransactionsBetweenServerSessions() throws SQLException {
        // what the setting guards against, shown with the pooler of this test: a client's consecutive
        // transactions run in different server sessions, and a statement named in one is unknown (or
        // another client's statement of the same name) in the next
        Set<Integer> sessions = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(BOUNCER.jdbcUrl() + "?prepareThreshold=0", Backend.pgUser(), "")) {
            connection.setAutoCommit(false);
            for (int i = 0; i < 6; i++) {
                try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
                    row.next();
                    sessions.add(row.getInt(1));
                }
                connection.commit();
            }
        }
        assertThat(sessions).as("server sessions one client's transactions ran in").hasSizeGreaterThan(1);

        assertThatThrownBy(() -> {
            try (Connection named = DriverManager.getConnection(BOUNCER.jdbcUrl() + "?prepareThreshold=1", Backend.pgUser(), "")) {
                named.setAutoCommit(false);
                for (int i = 0; i < 6; i++) {
                    try (PreparedStatement statement = named.prepareStatement("SELECT ?::int")) {
                        statement.setInt(1, i);
                        statement.executeQuery().close();
                    }
                    named.commit();
                }
            }
        }).as("a named server-side statement behind a transaction pooler").isInstanceOf(SQLException.class)
                .hasMessageContaining("prepared statement \"S_");
    }

    @Test
    void finesTasksAndEventsWorkBehindThePooler() throws Exception {
        FinesServiceGrpc.FinesServiceBlockingStub fines = APP.client().fines();
        LinkedBlockingQueue<Object> heard = new LinkedBlockingQueue<>();
        Context.CancellableContext watching = Context.current().withCancellation();
        try {
            watching.run(() -> EventsServiceGrpc.newStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(60))
                    .watchEvents(WatchEventsRequest.newBuilder().addTopics(EventTopic.EVENT_TOPIC_FINES).build(), collect(heard)));
            await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 1);

            // more than five times each: pgjdbc would name a statement on the server from its fifth use
            for (int i = 0; i < 8; i++) {
                Fine created = Fixtures.fine(APP, APP.channel(), "PGB-" + i, "PGB");
                Fine read = fines.getFine(GetFineRequest.newBuilder().setFineId(created.getId()).build());
                assertThat(read.getCitationNumber()).isEqualTo("PGB-" + i);
                Fine updated = fines.updateFine(UpdateFineRequest.newBuilder()
                        .setFine(Fine.newBuilder().setId(created.getId()).setVersion(read.getVersion())
                                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(2000 + i)))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("amount")).build());
                assertThat(updated.getAmount().getAmountMinor()).isEqualTo(2000 + i);
                assertThat(fines.listFines(ListFinesRequest.newBuilder().setPageSize(50).setJurisdiction("PGB").build())
                        .getFinesCount()).isEqualTo(i + 1);
                Object event = awaitEvent(heard, created.getId(), EventKind.EVENT_KIND_FINE_CREATED);
                assertThat(event).as("the creation of %s heard over the feed", created.getId()).isInstanceOf(Event.class);
            }

            TasksServiceGrpc.TasksServiceBlockingStub tasks = APP.client().tasks();
            for (int i = 0; i < 6; i++) {
                String id = tasks.submitTask(SubmitTaskRequest.newBuilder().setType("noop").build()).getId();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                        .until(() -> tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build()).getState() == TaskState.TASK_STATE_SUCCEEDED);
                Task done = tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build());
                assertThat(done.getAttempts()).isEqualTo(1);
            }
        } finally {
            watching.cancel(null);
        }
    }

    @Test
    void aStatementCutByTheDeadlineIsDeadlineExceededAndLeavesNothingBehind() throws Exception {
        Fine fine = Fixtures.fine(APP, APP.channel(), "PGB-LOCKED", "PGB-T");
        String schema = APP.config().get("finehero.db.schema").asString().get();
        FinesServiceGrpc.FinesServiceBlockingStub fines = APP.client().fines();
        try (Connection holder = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "")) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT id FROM " + schema + ".fines WHERE id = ? FOR UPDATE")) {
                lock.setString(1, fine.getId());
                lock.executeQuery().close();
            }
            // the update waits on the row lock until its deadline cancels it, through the pooler
            assertThatThrownBy(() -> fines.withDeadlineAfter(1500, TimeUnit.MILLISECONDS).updateFine(amount(fine, 5000)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            // and the server stopped it: no statement is left waiting for the lock once the call has ended
            await().atMost(Duration.ofSeconds(5)).until(() -> waitingForLocks(holder, schema) == 0);
            holder.rollback();
        }

        Fine after = fines.getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
        assertThat(fines.updateFine(amount(after, 6000)).getAmount().getAmountMinor()).isEqualTo(6000);
        // every server session the pooler hands out: no statement timeout, no search_path left by FineHero
        try (Connection through = DriverManager.getConnection(BOUNCER.jdbcUrl() + "?prepareThreshold=0", Backend.pgUser(), "");
             Connection direct = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "")) {
            String defaultPath = show(direct, "search_path");
            through.setAutoCommit(false);
            for (int i = 0; i < 6; i++) {
                assertThat(show(through, "statement_timeout")).isEqualTo("0");
                assertThat(show(through, "search_path")).isEqualTo(defaultPath);
                through.commit();
            }
        }
    }

    private static UpdateFineRequest amount(Fine fine, long minor) {
        return UpdateFineRequest.newBuilder()
                .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion())
                        .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(minor)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("amount")).build();
    }

    private static int waitingForLocks(Connection connection, String schema) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%fines%' AND pid <> pg_backend_pid()")) {
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        }
    }

    private static String show(Connection connection, String setting) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery("SHOW " + setting)) {
            row.next();
            return row.getString(1);
        }
    }

    private static StreamObserver<Event> collect(LinkedBlockingQueue<Object> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Event value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
                into.add(t);
            }

            @Override
            public void onCompleted() {
                into.add("completed");
            }
        };
    }

    /** The event of {@code kind} about fine {@code id}, or what ended the stream, or null after 20 s. */
    private static Object awaitEvent(LinkedBlockingQueue<Object> heard, String id, EventKind kind) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            Object next = heard.poll(100, TimeUnit.MILLISECONDS);
            if (next instanceof Event event) {
                if (event.getKind() == kind && event.getFine().getId().equals(id)) {
                    return event;
                }
            } else if (next != null) {
                return next;
            }
        }
        return null;
    }
}
