package com.finehero.server.platform.retention;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import com.finehero.server.platform.db.Dialect;

/**
 * How an {@link AppendOnlyTable} loses its expired rows on one database, chosen once by {@link #of}:
 * PostgreSQL drops whole partitions past retention and creates the ones ahead
 * ({@link PostgresRetentionSql}); H2's tables are not partitioned, so it deletes the expired rows
 * ({@link H2RetentionSql}).
 *
 * <p>A row is kept at least {@code retention} after its time. On PostgreSQL a partition goes only when
 * its whole slice is past retention, so a row may stay up to one slice longer.
 */
public sealed interface RetentionSql permits H2RetentionSql, PostgresRetentionSql {

    static RetentionSql of(Dialect dialect) {
        return switch (dialect) {
            case Dialect.H2 h2 -> new H2RetentionSql();
            case Dialect.PostgreSql postgres -> new PostgresRetentionSql();
        };
    }

    /**
     * One pass over {@code table} as of {@code now}, on {@code connection}, in transactions of its own
     * (the connection's auto-commit setting is restored). Safe on several instances at once.
     */
    Upkeep keep(Connection connection, AppendOnlyTable table, Duration retention, Instant now) throws SQLException;
}
