package com.finehero.server.platform.retention;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.db.Database;

/**
 * Keeps a set of {@link AppendOnlyTable}s, each for its own retention, with the statements of the
 * database's dialect. A pass runs on a connection outside the pool, opened for the pass: its DDL may
 * wait for locks, and must not hold one of the connections calls are waiting for.
 */
public final class Retention {

    private static final System.Logger LOG = System.getLogger(Retention.class.getName());
    /** The longest a pass may wait for the database to answer one statement. */
    private static final Duration PASS_TIMEOUT = Duration.ofMinutes(10);

    /** A table and how long its rows are kept. */
    public record Kept(AppendOnlyTable table, Duration retention) {
        public Kept {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(retention, "retention");
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException(table.name() + " retention: " + retention + " (expected: > 0)");
            }
        }
    }

    private final Database db;
    private final RetentionSql sql;
    private final List<Kept> tables;
    private final Clock clock;

    public Retention(Database db, List<Kept> tables, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.sql = RetentionSql.of(db.dialect());
        this.tables = List.copyOf(tables);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** One pass over every table as of the clock's now; a table that fails does not stop the others. */
    public List<Upkeep> keep() {
        List<Upkeep> done = new ArrayList<>();
        RuntimeException failure = null;
        try (Connection connection = db.directConnection("retention")) {
            // such a connection gives up after 10 s without an answer; moving a backlog of rows out of the
            // default partition may take longer (lock waits are bounded by the pass's own lock timeout)
            connection.setNetworkTimeout(Runnable::run, (int) PASS_TIMEOUT.toMillis());
            for (Kept kept : tables) {
                try {
                    Upkeep upkeep = sql.keep(connection, kept.table(), kept.retention(), clock.instant());
                    LOG.log(Level.DEBUG, () -> "retention " + upkeep);
                    done.add(upkeep);
                } catch (SQLException e) {
                    LOG.log(Level.WARNING, "retention of " + kept.table().name() + " failed, next pass tries again: " + e.getMessage());
                    if (failure == null) {
                        failure = new Database.DatabaseException(e);
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        } catch (SQLException e) {
            throw new Database.DatabaseException(e);
        }
        if (failure != null) {
            throw failure;
        }
        return done;
    }
}
