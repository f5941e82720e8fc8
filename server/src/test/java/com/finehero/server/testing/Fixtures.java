package com.finehero.server.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.google.protobuf.Timestamp;
import io.grpc.Channel;

import static org.awaitility.Awaitility.await;

/** Small things many tests need: a fine to work on, a fine's row held locked in PostgreSQL. */
public final class Fixtures {

    private Fixtures() {
    }

    /**
     * Creates a minimal valid fine (10.00 EUR, due in a day by the extension's clock). The channel's own
     * deadline applies: a client's first call also logs in, which takes seconds on a busy machine.
     */
    public static Fine fine(FineHeroExtension app, Channel channel, String citation, String jurisdiction) {
        long now = app.clock().instant().getEpochSecond();
        return FinesServiceGrpc.newBlockingStub(channel).createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber(citation).setJurisdiction(jurisdiction).setViolationCode("P")
                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
    }

    /**
     * Holds the row lock of a fine from the test's own PostgreSQL connection until closed, so that a call
     * needing that row waits; {@link #awaitWaiter} returns once PostgreSQL shows a statement waiting.
     */
    public static final class HeldRowLock implements AutoCloseable {
        private final Connection connection;

        public HeldRowLock(FineHeroExtension app, String fineId) throws SQLException {
            String schema = app.config().get("finehero.db.schema").asString().get();
            connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
            connection.setAutoCommit(false);
            try (PreparedStatement lock = connection.prepareStatement("SELECT id FROM " + schema + ".fines WHERE id = ? FOR UPDATE")) {
                lock.setString(1, fineId);
                lock.executeQuery().close();
            }
        }

        public void awaitWaiter() {
            await().atMost(Duration.ofSeconds(10)).until(() -> longestWait().isPresent());
        }

        /** Returns once a statement has been waiting on this lock for at least {@code wait}. */
        public void awaitWaiterFor(Duration wait) {
            await().atMost(wait.plusSeconds(10))
                    .until(() -> longestWait().filter(waited -> waited.compareTo(wait) >= 0).isPresent());
        }

        /** How long the longest waiter on this connection's locks has waited, if anyone waits. */
        private Optional<Duration> longestWait() throws SQLException {
            // this connection holds the lock in an open transaction, and PostgreSQL reads pg_stat_activity
            // once per transaction: without clearing that snapshot, a poll made before the waiter arrived
            // would be repeated until the timeout
            try (PreparedStatement clear = connection.prepareStatement("SELECT pg_stat_clear_snapshot()")) {
                clear.execute();
            }
            // only sessions blocked by this one: other suites share the server and wait on locks of their own
            try (PreparedStatement waiting = connection.prepareStatement(
                    "SELECT max(extract(epoch FROM clock_timestamp() - query_start) * 1000) FROM pg_stat_activity "
                            + "WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))");
                 ResultSet rows = waiting.executeQuery()) {
                rows.next();
                double millis = rows.getDouble(1);
                return rows.wasNull() ? Optional.empty() : Optional.of(Duration.ofNanos((long) (millis * 1_000_000)));
            }
        }

        /** Releases the lock (rolls back) and closes the connection. */
        @Override
        public void close() throws SQLException {
            try (connection) {
                connection.rollback();
            }
        }
    }
}
