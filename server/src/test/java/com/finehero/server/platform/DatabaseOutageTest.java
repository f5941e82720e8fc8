package com.finehero.server.platform;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.OwnPostgres;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * FineHero on a PostgreSQL of the test's own, which the test stops: calls are answered UNAVAILABLE
 * (never INTERNAL), at once while the breaker is open, a gRPC deadline is answered DEADLINE_EXCEEDED,
 * and readiness follows the database both ways: down within two seconds, up again within five (the
 * probe that finds it back may start only after one still waiting out its one-second timeout).
 */
class DatabaseOutageTest {

    static final OwnPostgres PG = OwnPostgres.start();

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.db.url", PG.jdbcUrl())
            .with("finehero.db.user", PG.user())
            .with("finehero.db.pool.timeout", "PT5S");

    private static final AtomicInteger CITATIONS = new AtomicInteger();

    @AfterAll
    static void stopPostgres() {
        PG.close();
    }

    @Test
    void callsAreUnavailableAtOnceAndReadinessFollowsTheDatabase() {
        assertThat(APP.get("/observe/health/ready").statusCode()).isEqualTo(200);
        createFine();

        PG.stop();
        long stopped = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> APP.get("/observe/health/ready").statusCode() == 503);
        // the breaker is open once readiness says so; the first refusal also warms the error path up
        assertThat(catchThrowableOfType(StatusRuntimeException.class, this::createFine).getStatus().getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        long[] answered = new long[5];
        for (int i = 0; i < answered.length; i++) {
            long start = System.nanoTime();
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, this::createFine);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            answered[i] = millis;
        }
        // the median: the machine running the tests is shared, one slow scheduling is not the breaker's
        java.util.Arrays.sort(answered);
        assertThat(answered[answered.length / 2]).as("answered while the breaker is open").isLessThan(50);
        assertThat(answered[answered.length - 1]).isLessThan(1_000);
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(3));

        PG.startServer();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> APP.get("/observe/health/ready").statusCode() == 200);
        await().atMost(Duration.ofSeconds(2)).ignoreExceptions().until(() -> createFine() != null);
    }

    @Test
    void aCallPastItsDeadlineIsAnsweredDeadlineExceededAndItsStatementCancelled() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> APP.get("/observe/health/ready").statusCode() == 200);
        var fine = createFine();
        String schema = APP.config().get("finehero.db.schema").asString().get();
        try (java.sql.Connection lock = PG.connect()) {
            lock.setAutoCommit(false);
            try (var select = lock.prepareStatement("SELECT id FROM " + schema + ".fines WHERE id = ? FOR UPDATE")) {
                select.setString(1, fine.getId());
                select.executeQuery().close();
            }
            long start = System.nanoTime();
            StatusRuntimeException late = catchThrowableOfType(StatusRuntimeException.class, () ->
                    FinesServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                            .contestFine(com.finehero.api.fines.v1.ContestFineRequest.newBuilder().setFineId(fine.getId())
                                    .setReason("Held on a row lock past the deadline.").build()));
            assertThat(late.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_000);
            // the waiting statement is cancelled on the server, not left holding a connection
            await().atMost(Duration.ofSeconds(2)).until(() -> waitersOn(lock) == 0);
            lock.rollback();
        }
    }

    /** Sessions blocked by this one's locks (the snapshot of pg_stat_activity is per transaction, so cleared). */
    private static int waitersOn(java.sql.Connection holder) throws java.sql.SQLException {
        try (var statement = holder.createStatement()) {
            statement.execute("SELECT pg_stat_clear_snapshot()");
            try (var rows = statement.executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private com.finehero.api.fines.v1.Fine createFine() {
        return Fixtures.fine(APP, APP.channel(), "DO-" + CITATIONS.incrementAndGet(), "DO");
    }
}
