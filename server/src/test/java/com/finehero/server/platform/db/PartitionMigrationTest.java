package com.finehero.server.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.finehero.server.testing.Backend;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V22 turns audit_events and event_outbox into time-partitioned tables on PostgreSQL: every existing row
 * is kept with its id and time, each lands in the partition of its month or day (none in the default
 * partition), the primary keys include the time, the indexes the reads use are there, and new ids
 * continue above every id the old tables handed out, including ids of rows already deleted. V26 adds
 * task_history, partitioned by day, and V27 gives every day that finished tasks still in the queue table
 * fell on a partition, so moving them there fills none of the default partition.
 */
class PartitionMigrationTest {

    private static final MigrationVersion BEFORE = MigrationVersion.fromVersion("21");

    private final String schema = "partmig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final DbConfig config = new DbConfig(Backend.pgUrl(), Backend.pgUser(), "", schema, 0, 2, Duration.ofSeconds(5),
            Duration.ofSeconds(5), new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1)));

    @AfterEach
    void dropSchema() throws SQLException {
        try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Test
    void existingRowsAreKeptInTheirPartitionsAndNewIdsContinueAboveTheOldOnes() throws SQLException {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<String> audit = new ArrayList<>();
        List<String> outbox = new ArrayList<>();
        long lastOutboxId;
        try (HikariDataSource pool = Database.pool(config)) {
            Database.migrations(pool, config).target(BEFORE).load().migrate();
            try (Connection connection = pool.getConnection()) {
                for (int i = 0; i < 15; i++) {
                    Instant time = now.minus(Duration.ofDays(31L * i));
                    Sql.update(connection, "INSERT INTO audit_events (event_time, principal_id, credential, method, protocol,"
                            + " outcome) VALUES (?, ?, 'jwt', 'finehero.fines.v1.FinesService/GetFine', 'grpc', 'OK')",
                            List.of(time, "user-" + (i % 3)));
                }
                for (int i = 0; i < 10; i++) {
                    Sql.update(connection, "INSERT INTO event_outbox (topic, kind, record_id, payload, create_time)"
                            + " VALUES ('fines', 'UPDATED', ?, ?, ?)", List.of("fine-" + i, new byte[] {(byte) i},
                            now.minus(Duration.ofHours(7L * i))));
                }
                // ids handed out and gone: the newest rows deleted, as a prune or a rollback leaves them
                lastOutboxId = Sql.one(connection, "SELECT MAX(id) FROM event_outbox", List.of(), row -> row.getLong(1)).orElseThrow();
                Sql.update(connection, "DELETE FROM event_outbox WHERE id > ?", List.of(lastOutboxId - 2));
                connection.commit();
                audit.addAll(rows(connection, "SELECT id, event_time, principal_id FROM audit_events ORDER BY id"));
                outbox.addAll(rows(connection, "SELECT id, create_time, record_id FROM event_outbox ORDER BY id"));
            }
        }

        try (Database upgraded = Database.open(config)) {
            upgraded.read(connection -> {
                assertThat(rows(connection, "SELECT id, event_time, principal_id FROM audit_events ORDER BY id")).isEqualTo(audit);
                assertThat(rows(connection, "SELECT id, create_time, record_id FROM event_outbox ORDER BY id")).isEqualTo(outbox);
                assertThat(Sql.list(connection, "SELECT relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
                        + " WHERE c.relnamespace = current_schema()::regnamespace ORDER BY relname", List.of(), row -> row.getString(1)))
                        .containsExactly("audit_events", "event_outbox", "task_history");
                assertThat(count(connection, "SELECT COUNT(*) FROM audit_events_default")).isZero();
                assertThat(count(connection, "SELECT COUNT(*) FROM event_outbox_default")).isZero();
                assertThat(count(connection, "SELECT COUNT(DISTINCT tableoid) FROM audit_events")).as("one month each").isEqualTo(15);
                assertThat(count(connection, "SELECT COUNT(*) FROM audit_events WHERE tableoid::regclass::text"
                        + " <> 'audit_events_p' || to_char(event_time AT TIME ZONE 'UTC', 'YYYYMM')")).isZero();
                assertThat(count(connection, "SELECT COUNT(*) FROM event_outbox WHERE tableoid::regclass::text"
                        + " <> 'event_outbox_p' || to_char(create_time AT TIME ZONE 'UTC', 'YYYYMMDD')")).isZero();
                assertThat(Sql.list(connection, "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                        + " AND tablename IN ('audit_events', 'event_outbox') ORDER BY indexname", List.of(),
                        row -> row.getString(1).replaceAll(" ON .* USING ", " ")))
                        .containsExactly("CREATE INDEX audit_events_by_method btree (method, id)",
                                "CREATE INDEX audit_events_by_principal btree (principal_id, id)",
                                "CREATE UNIQUE INDEX audit_events_pkey btree (id, event_time)",
                                "CREATE UNIQUE INDEX event_outbox_pkey btree (id, create_time)");
                return null;
            });
            long maxAudit = Long.parseLong(audit.getLast().split(" ")[0]);
            long newAudit = upgraded.inTransaction(connection -> Sql.one(connection, "INSERT INTO audit_events (event_time,"
                    + " credential, method, protocol, outcome) VALUES (?, 'jwt', 'm', 'grpc', 'OK') RETURNING id", List.of(now),
                    row -> row.getLong(1)).orElseThrow());
            long newOutbox = upgraded.inTransaction(connection -> Sql.one(connection, "INSERT INTO event_outbox (topic, kind,"
                    + " record_id, payload, create_time) VALUES ('fines', 'UPDATED', 'new', ?, ?) RETURNING id",
                    List.of(new byte[0], now), row -> row.getLong(1)).orElseThrow());
            assertThat(newAudit).isEqualTo(maxAudit + 1);
            assertThat(newOutbox).as("above the deleted ids too").isEqualTo(lastOutboxId + 1);
        }
    }

    @Test
    void finishedTasksInTheQueueTableHaveDayPartitionsToMoveInto() throws SQLException {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (HikariDataSource pool = Database.pool(config)) {
            Database.migrations(pool, config).target(MigrationVersion.fromVersion("25")).load().migrate();
            try (Connection connection = pool.getConnection()) {
                for (int day = 0; day < 6; day++) {
                    Instant finished = now.minus(Duration.ofDays(day));
                    Sql.update(connection, "INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, max_attempts,"
                            + " backoff_ms, create_time, update_time, finish_time, version) VALUES (?, 'noop', '{}', 2, ?, ?, ?, 3,"
                            + " 1000, ?, ?, ?, 3)", List.of(UUID.randomUUID().toString(), day % 2 == 0 ? "SUCCEEDED" : "CANCELLED",
                            finished, finished, finished, finished, finished));
                }
                connection.commit();
            }
        }
        try (Database upgraded = Database.open(config)) {
            upgraded.inTransaction(connection -> {
                // what the maintenance's move does with them, all at once
                Sql.update(connection, "INSERT INTO task_history (id, type, payload, priority, state, run_at, attempts, max_attempts,"
                        + " backoff_ms, cancel_requested, progress_percent, progress_message, last_error, create_time, update_time,"
                        + " finish_time, version, submitter, submitter_roles, submitter_credential) SELECT id, type, payload, priority,"
                        + " state, run_at, attempts, max_attempts, backoff_ms, cancel_requested, progress_percent, progress_message,"
                        + " last_error, create_time, update_time, finish_time, version, submitter, submitter_roles,"
                        + " submitter_credential FROM tasks", List.of());
                assertThat(count(connection, "SELECT COUNT(*) FROM task_history")).isEqualTo(6);
                assertThat(count(connection, "SELECT COUNT(*) FROM task_history_default")).as("none left for the default partition").isZero();
                assertThat(count(connection, "SELECT COUNT(*) FROM task_history WHERE tableoid::regclass::text"
                        + " <> 'task_history_p' || to_char(finish_time AT TIME ZONE 'UTC', 'YYYYMMDD')")).isZero();
                return null;
            });
        }
    }

    private static List<String> rows(Connection connection, String sql) throws SQLException {
        return Sql.list(connection, sql, List.of(), row -> row.getLong(1) + " "
                + row.getObject(2, java.time.OffsetDateTime.class).toInstant() + " " + row.getString(3));
    }

    private static long count(Connection connection, String sql) throws SQLException {
        return Sql.one(connection, sql, List.of(), row -> row.getLong(1)).orElseThrow();
    }
}
