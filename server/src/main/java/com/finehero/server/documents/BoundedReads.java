package com.finehero.server.documents;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * Reads a caller drives (list, search) with each statement bounded by the query timeout, so one heavy
 * query cannot hold a connection and a core for long. Past it: UNAVAILABLE, reason QUERY_TIMEOUT. How
 * the bound is set differs by database and is chosen once.
 */
final class BoundedReads {

    /** SQLSTATE of a statement cancelled by its timeout, on PostgreSQL and H2 alike. */
    private static final String QUERY_CANCELLED = "57014";

    private final Database db;
    private final Duration timeout;
    /** The statement that bounds later statements, with {@code %d} for the milliseconds. */
    private final String limit;
    /** The statement that lifts the bound again; null when it ends with the transaction. */
    private final String unlimit;

    BoundedReads(Database db, Duration timeout) {
        this.db = Objects.requireNonNull(db, "db");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("queryTimeout: " + timeout + " (expected: at least 1 ms)");
        }
        switch (db.dialect()) {
            // SET LOCAL ends with the transaction, whatever happens in it
            case Dialect.PostgreSql() -> {
                limit = "SET LOCAL statement_timeout = %d";
                unlimit = null;
            }
            // H2's timeout belongs to the session (the pooled connection), so it is lifted again
            case Dialect.H2() -> {
                limit = "SET QUERY_TIMEOUT %d";
                unlimit = "SET QUERY_TIMEOUT 0";
            }
        }
    }

    /** Runs {@code work} in a read transaction whose every statement is bounded; {@code what} names it in the error. */
    <T> T run(String what, Database.TransactionWork<T> work) {
        try {
            return db.read(connection -> {
                execute(connection, String.format(Locale.ROOT, limit, timeout.toMillis()));
                try {
                    return work.run(connection);
                } finally {
                    if (unlimit != null) {
                        execute(connection, unlimit);
                    }
                }
            });
        } catch (Database.DatabaseException e) {
            if (!QUERY_CANCELLED.equals(e.sqlException().getSQLState())) {
                throw e;
            }
            throw timedOut(what);
        }
    }

    /** The answer to a caller whose {@code what} ran past the timeout. */
    FineHeroException timedOut(String what) {
        return new FineHeroException.Unavailable("QUERY_TIMEOUT", what + " took longer than " + timeout.toMillis()
                + " ms (finehero.documents.query-timeout); narrow it, e.g. fewer or longer prefixes", Duration.ofSeconds(1));
    }

    Duration timeout() {
        return timeout;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
