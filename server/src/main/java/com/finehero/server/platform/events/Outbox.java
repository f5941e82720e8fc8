package com.finehero.server.platform.events;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.retention.AppendOnlyTable;

/**
 * Writes events into the outbox on the connection of the transaction that makes the change, so an
 * event exists exactly when its change commits. On PostgreSQL the same transaction calls
 * {@code pg_notify}, which PostgreSQL delivers to every listening instance at commit (and drops on
 * rollback); on any database this instance's feed is woken right after the commit.
 */
public final class Outbox {

    /**
     * The outbox as retention sees it: day partitions on PostgreSQL, since rows are kept a day by
     * default and the reader's queries, ordered by id, visit every partition; three days are created
     * ahead, so a day of failed prunes never sends rows into the default partition.
     */
    public static final AppendOnlyTable TABLE = new AppendOnlyTable("event_outbox", "create_time", AppendOnlyTable.Slice.DAY, 3);

    static final String COLUMNS = "id, topic, kind, record_id, owner_id, jurisdiction, payload, create_time";
    private static final String INSERT_INTO = "INSERT INTO event_outbox (topic, kind, record_id, owner_id, jurisdiction, payload, "
            + "create_time) VALUES ";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?)";
    /**
     * Rows per multi-row INSERT. One statement for a batch's events instead of one per event (a JDBC
     * batch still executes each row as a statement on the server): a task's claim and finish write an
     * event per task, in batches of up to the claim size.
     */
    private static final int ROWS_PER_INSERT = 500;
    /**
     * On PostgreSQL, the events of a change in one statement whatever their number: the columns as
     * arrays, so its text never changes and one prepared plan serves every batch (a multi-row VALUES is
     * a new statement for each number of rows, parsed and planned anew: 3 ms a batch under task load).
     * The rows are inserted, and numbered, in the arrays' order.
     */
    private static final String INSERT_ARRAYS = "INSERT INTO event_outbox (topic, kind, record_id, owner_id, jurisdiction, "
            + "payload, create_time) SELECT topic, kind, record_id, owner_id, jurisdiction, payload, ? FROM unnest("
            + "CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), CAST(? AS varchar[]), "
            + "CAST(? AS bytea[])) WITH ORDINALITY AS e(topic, kind, record_id, owner_id, jurisdiction, payload, n) ORDER BY n";

    private final Database db;
    private final Clock clock;
    private final String channel;
    /** PostgreSQL: events go in as arrays ({@link #INSERT_ARRAYS}) and a commit notifies; H2: rows of a multi-row VALUES. */
    private final boolean postgres;
    private final List<Runnable> committed = new CopyOnWriteArrayList<>();

    public Outbox(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.channel = channel(db.schema());
        this.postgres = switch (db.dialect()) {
            case Dialect.PostgreSql() -> true;
            case Dialect.H2() -> false;
        };
    }

    /**
     * The LISTEN/NOTIFY channel of one schema's outbox: instances on other schemas of the same database
     * (tests, tenants) do not wake each other. Lower case and at most 63 characters, PostgreSQL's limit.
     */
    static String channel(String schema) {
        String name = "finehero_events" + (schema.isEmpty() ? "" : "_" + schema.toLowerCase(Locale.ROOT));
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    String channel() {
        return channel;
    }

    Database database() {
        return db;
    }

    /** Records one event in the caller's transaction. */
    public void append(Connection connection, NewEvent event) throws SQLException {
        append(connection, List.of(event));
    }

    /** Records events in the caller's transaction, in order (ids grow in list order). */
    public void append(Connection connection, List<NewEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        if (postgres) {
            insertArrays(connection, events, now);
            // delivered to every LISTENing instance when this transaction commits; identical notifications
            // of one transaction are folded into one
            Sql.one(connection, "SELECT pg_notify(?, '')", List.of(channel), row -> true);
        } else {
            insertRows(connection, events, now);
        }
        db.afterCommit(this::committed);
    }

    private static void insertArrays(Connection connection, List<NewEvent> events, Instant now) throws SQLException {
        int n = events.size();
        String[][] text = new String[5][n];
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++) {
            NewEvent event = events.get(i);
            text[0][i] = event.topic();
            text[1][i] = event.kind();
            text[2][i] = event.recordId();
            text[3][i] = event.ownerId();
            text[4][i] = event.jurisdiction();
            payloads[i] = event.payload();
        }
        List<Object> params = new ArrayList<>(7);
        params.add(now);
        for (String[] column : text) {
            params.add(connection.createArrayOf("varchar", column));
        }
        params.add(connection.createArrayOf("bytea", payloads));
        Sql.update(connection, INSERT_ARRAYS, params);
    }

    private static void insertRows(Connection connection, List<NewEvent> events, Instant now) throws SQLException {
        for (List<NewEvent> chunk : Sql.chunks(events, ROWS_PER_INSERT)) {
            List<Object> values = new ArrayList<>(chunk.size() * 7);
            for (NewEvent event : chunk) {
                values.addAll(List.of(event.topic(), event.kind(), event.recordId(), event.ownerId(), event.jurisdiction(),
                        event.payload(), now));
            }
            // H2 numbers a multi-row INSERT's identity values in the order of its rows
            Sql.update(connection, Sql.insertRows(INSERT_INTO, ROW, chunk.size()), values);
        }
    }

    /** Called after each commit that recorded events (the local feed's wake-up). */
    void onCommit(Runnable listener) {
        committed.add(Objects.requireNonNull(listener, "listener"));
    }

    private void committed() {
        committed.forEach(Runnable::run);
    }
}
