package com.finehero.server.platform.retention;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

import com.finehero.server.platform.db.Sql;

/**
 * PostgreSQL: the table is range-partitioned by its time column (migration V22), one partition per
 * slice named {@code <table>_p<slice>}, plus a DEFAULT partition. A pass, in one transaction:
 * <ol>
 *   <li>takes a per-table advisory lock, or leaves the pass to the instance that holds it;</li>
 *   <li>drops each partition whose whole slice is past retention ({@code DROP TABLE}: no dead rows,
 *       no vacuum, no index churn), and deletes expired rows that reached the default partition;</li>
 *   <li>creates the partitions of the current slice and the {@code ahead} ones after it, and of any
 *       slice that has unexpired rows in the default partition.</li>
 * </ol>
 * Creating a partition for a range that rows in the default partition fall into would fail, so such
 * rows are moved: with inserts into the default partition held off, they are deleted from it into a
 * table like the parent, which is then attached as the slice's partition. While the partitions ahead exist
 * the default partition stays empty; it fills only when no pass ran for longer than they cover, or a
 * row came with a time far from now (an audit event spooled while the database was down).
 *
 * <p>Dropping and creating partitions take an exclusive lock on the parent table, and every insert
 * queues behind a lock request that is waiting, so the pass waits at most {@link #LOCK_TIMEOUT} for
 * its locks and otherwise fails and rolls back, to be tried again by the next pass. (DETACH PARTITION
 * CONCURRENTLY would need no exclusive lock, but PostgreSQL refuses it on a table with a default
 * partition, and cannot run it inside the transaction that holds the advisory lock.)
 */
final class PostgresRetentionSql implements RetentionSql {

    /**
     * How long a pass waits for a lock before it gives up. While it waits, every insert into the table
     * waits behind it (for the outbox: every change), so this bounds that stall; a long reader such as
     * pg_dump makes the pass fail instead, and the next one tries again.
     */
    static final String LOCK_TIMEOUT = "1s";

    @Override
    public Upkeep keep(Connection connection, AppendOnlyTable table, Duration retention, Instant now) throws SQLException {
        return Transactions.run(connection, () -> {
            // the lock space is the database's, and test schemas share one: the schema is part of the key
            boolean mine = Sql.one(connection, "SELECT pg_try_advisory_xact_lock(hashtext('finehero.retention.' || current_schema() || '.' || ?))",
                    List.of(table.name()), row -> row.getBoolean(1)).orElse(false);
            if (!mine) {
                return Upkeep.skipped(table.name());
            }
            execute(connection, "SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            Instant cutoff = now.minus(retention);
            String column = table.timeColumn();

            List<String> dropped = new ArrayList<>();
            for (String partition : partitions(connection, table)) {
                Optional<Instant> start = table.sliceOf(partition);
                if (start.isPresent() && !table.slice().next(start.get()).isAfter(cutoff)) {
                    execute(connection, "DROP TABLE IF EXISTS " + partition);
                    dropped.add(partition);
                }
            }
            long deleted = Sql.update(connection, "DELETE FROM " + table.defaultPartition() + " WHERE " + column + " < ?",
                    List.of(cutoff));

            // the default partition is small (empty while partitions exist ahead), so this reads little
            TreeSet<Instant> slices = new TreeSet<>(Sql.list(connection, "SELECT DISTINCT date_trunc('"
                    + table.slice().name().toLowerCase(Locale.ROOT) + "', " + column + " AT TIME ZONE 'UTC') FROM "
                    + table.defaultPartition(), List.of(), row -> row.getObject(1, LocalDateTime.class).toInstant(ZoneOffset.UTC)));
            Instant slice = table.slice().start(now);
            for (int i = 0; i <= table.ahead(); i++, slice = table.slice().next(slice)) {
                slices.add(slice);
            }
            List<String> existing = partitions(connection, table);
            List<String> created = new ArrayList<>();
            long moved = 0;
            for (Instant start : slices) {
                String partition = table.partition(start);
                if (existing.contains(partition)) {
                    continue;
                }
                moved += create(connection, table, start);
                created.add(partition);
            }
            return new Upkeep(table.name(), created, dropped, deleted, moved, false);
        });
    }

    /** Creates the partition of the slice at {@code start}; returns how many rows it took over from the default partition. */
    private static long create(Connection connection, AppendOnlyTable table, Instant start) throws SQLException {
        String partition = table.partition(start);
        String bounds = "FOR VALUES FROM ('" + start + "') TO ('" + table.slice().next(start) + "')";
        String inRange = table.timeColumn() + " >= '" + start + "' AND " + table.timeColumn() + " < '" + table.slice().next(start) + "'";
        boolean occupied = Sql.one(connection, "SELECT EXISTS (SELECT 1 FROM " + table.defaultPartition() + " WHERE " + inRange + ")",
                List.of(), row -> row.getBoolean(1)).orElse(false);
        if (!occupied) {
            execute(connection, "CREATE TABLE IF NOT EXISTS " + partition + " PARTITION OF " + table.name() + " " + bounds);
            return 0;
        }
        // No insert may reach the table while the rows move (reads go on). The lock is on the parent: an
        // insert routed to the default partition before the move and waiting there would fail on the
        // default partition's new constraint once the new partition is attached; one waiting on the
        // parent is routed after it. The move is one statement, so it deletes exactly what it copies;
        // ATTACH checks that the default partition holds no row of the range and builds the parent's
        // indexes on the new partition.
        execute(connection, "LOCK TABLE " + table.name() + " IN EXCLUSIVE MODE");
        execute(connection, "CREATE TABLE " + partition + " (LIKE " + table.name() + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
        long moved = Sql.update(connection, "WITH moved AS (DELETE FROM " + table.defaultPartition() + " WHERE " + inRange
                + " RETURNING *) INSERT INTO " + partition + " SELECT * FROM moved", List.of());
        execute(connection, "ALTER TABLE " + table.name() + " ATTACH PARTITION " + partition + " " + bounds);
        return moved;
    }

    /** The partitions of {@code table} (in the connection's schema), default included. */
    private static List<String> partitions(Connection connection, AppendOnlyTable table) throws SQLException {
        return Sql.list(connection, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = to_regclass(?) ORDER BY c.relname", List.of(table.name()), row -> row.getString(1));
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
