package com.finehero.server.platform.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.testing.OwnPostgres;
import io.grpc.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Database faults on a PostgreSQL of the test's own: a terminated backend is UNAVAILABLE, a
 * serialization failure is retried, a deadline cancels the statement on the server.
 */
class DatabaseFaultsTest {

    private static OwnPostgres pg;
    private static Database database;

    @BeforeAll
    static void start() throws Exception {
        pg = OwnPostgres.start();
        database = Database.open(new DbConfig(pg.jdbcUrl(), pg.user(), "", "faults", 0, 4, Duration.ofSeconds(2),
                Duration.ofSeconds(5), new DbConfig.Faults(3, 10, 50, Duration.ofSeconds(1))));
        try (Connection connection = pg.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE faults.counter (id int PRIMARY KEY, n int NOT NULL)");
            statement.execute("INSERT INTO faults.counter VALUES (1, 0)");
        }
    }

    @AfterAll
    static void stop() {
        if (database != null) {
            database.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aPoolWithEveryConnectionBusyIsABusyDatabaseNotADownOne() throws Exception {
        CountDownLatch holding = new CountDownLatch(4);
        java.util.List<Thread> busy = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) { // the pool's maximum, each held by a slow statement
            busy.add(Thread.ofVirtual().start(() -> database.inTransaction(connection -> {
                holding.countDown();
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SELECT pg_sleep(3)");
                }
                return null;
            })));
        }
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);

        Duration latency = database.probe(Duration.ofMillis(1000));

        assertThat(latency).isLessThan(Duration.ofSeconds(1));
        assertThat(database.knownDown()).as("the breaker stays closed while the database answers").isFalse();
        for (Thread thread : busy) {
            thread.join(10_000);
        }
    }

    @Test
    void aBackendTerminatedByTheAdministratorIsUnavailable() {
        assertThatThrownBy(() -> database.inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(pg_backend_pid())");
            }
            return null;
        })).isInstanceOf(FineHeroException.Unavailable.class)
                .satisfies(e -> assertThat(((FineHeroException) e).code()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
    }

    @Test
    void aSerializationFailureIsRetriedUntilItCommits() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch firstRead = new CountDownLatch(1);
        int result = database.inTransaction(connection -> {
            connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            int n = readCounter(connection);
            if (attempts.incrementAndGet() == 1) {
                // a concurrent serializable change commits between this transaction's read and its write
                try (Connection other = pg.connect(); Statement statement = other.createStatement()) {
                    statement.execute("UPDATE faults.counter SET n = n + 100 WHERE id = 1");
                }
                firstRead.countDown();
            }
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE faults.counter SET n = " + (n + 1) + " WHERE id = 1");
            }
            return n + 1;
        });
        assertThat(firstRead.await(1, TimeUnit.SECONDS)).isTrue();
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(result).isEqualTo(database.read(DatabaseFaultsTest::readCounter));
    }

    @Test
    void aConflictThatKeepsHappeningIsAborted() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> database.inTransaction(connection -> {
            attempts.incrementAndGet();
            throw new java.sql.SQLException("could not serialize access", "40001");
        })).isInstanceOf(FineHeroException.Aborted.class);
        assertThat(attempts.get()).isEqualTo(4);
    }

    @Test
    void aDeadlineCancelsTheStatementOnTheServer() throws Exception {
        long start = System.nanoTime();
        try (Context.CancellableContext call = Context.current().withDeadlineAfter(200, TimeUnit.MILLISECONDS,
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor())) {
            assertThatThrownBy(() -> call.call(() -> database.inTransaction(connection -> {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SELECT pg_sleep(10)");
                }
                return null;
            }))).isInstanceOf(FineHeroException.DeadlineExceeded.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        try (Connection connection = pg.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(10)%' AND state = 'active'")) {
            rows.next();
            assertThat(rows.getInt(1)).isZero();
        }
    }

    private static int readCounter(Connection connection) throws java.sql.SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT n FROM faults.counter WHERE id = 1")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
