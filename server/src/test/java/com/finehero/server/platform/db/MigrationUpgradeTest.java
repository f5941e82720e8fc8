package com.finehero.server.platform.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import com.finehero.server.testing.Backend;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database made by the previous release upgrades to this one and keeps its rows. Every other test starts
 * on an empty schema, so none of them would notice a migration that an existing database refuses. "The
 * previous release" is the schema at the version before the newest this dialect has, migrated with the same
 * Flyway setup as {@link Database#open}.
 */
class MigrationUpgradeTest {

    private static final Instant WHEN = Instant.parse("2026-11-30T09:15:00Z");

    @Test
    void anEmbeddedH2FileFromThePreviousReleaseUpgrades(@TempDir Path dataDirectory) throws SQLException {
        // the embedded default's own settings, in a directory of the test's own
        String embedded = DbConfig.from(Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.classpath("application.yaml")).build().get("finehero.db")).url();
        String url = embedded.replace("./data/finehero", dataDirectory.resolve("finehero").toString());
        assertThat(url).as("the embedded default still keeps its file in ./data/finehero").isNotEqualTo(embedded);

        upgradesAndKeepsRows(config(url, "sa", ""));
    }

    @Test
    void aPostgresSchemaFromThePreviousReleaseUpgrades() throws SQLException {
        String schema = "upgrade_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try {
            upgradesAndKeepsRows(config(Backend.pgUrl(), Backend.pgUser(), schema));
        } finally {
            try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static DbConfig config(String url, String user, String schema) {
        return new DbConfig(url, user, "", schema, 0, 2, Duration.ofSeconds(5), Duration.ofSeconds(5),
                new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1)));
    }

    private static void upgradesAndKeepsRows(DbConfig config) throws SQLException {
        MigrationVersion previous;
        MigrationVersion newest;
        try (HikariDataSource pool = Database.pool(config)) {
            List<MigrationVersion> versions = Arrays.stream(Database.migrations(pool, config).load().info().all())
                    .map(MigrationInfo::getVersion)
                    .filter(Objects::nonNull)
                    .sorted()
                    .toList();
            assertThat(versions).as(config.dialect() + " migrations").hasSizeGreaterThanOrEqualTo(2);
            previous = versions.get(versions.size() - 2);
            newest = versions.getLast();

            Database.migrations(pool, config).target(previous).load().migrate();
            assertThat(Database.migrations(pool, config).load().info().current().getVersion()).isEqualTo(previous);
            try (Connection connection = pool.getConnection()) {
                insertRowOfEachKind(connection);
                connection.commit();
            }
        }

        // the new build starts the way FineHero does, refusing to start if validation fails
        try (Database upgraded = Database.open(config)) {
            assertThat(upgraded.read(MigrationUpgradeTest::rowsOfEachKind)).containsExactly(
                    "fine FH-UPGRADE-1 OPEN 4200",
                    "document Upgrade notice 2",
                    "user upgrade-admin ADMIN",
                    "alert rpc_errors FIRING",
                    "task noop PENDING 3");
        }
        try (HikariDataSource pool = Database.pool(config)) {
            Flyway head = Database.migrations(pool, config).load();
            ValidateResult validation = head.validateWithResult();
            assertThat(validation.validationSuccessful).as(validation.getAllErrorMessages()).isTrue();
            assertThat(head.info().current().getVersion()).isEqualTo(newest);
            assertThat(head.info().pending()).isEmpty();
        }
    }

    /** Rows as the previous release writes them: a new NOT NULL column without a default is named here. */
    private static void insertRowOfEachKind(Connection connection) throws SQLException {
        Instant at = WHEN;
        String fineId = UUID.randomUUID().toString();
        Sql.update(connection, "INSERT INTO fines (id, citation_number, jurisdiction, violation_code, currency_code,"
                + " amount_minor, issue_time, due_time, status, create_time, update_time, version)"
                + " VALUES (?, 'FH-UPGRADE-1', 'us-ca-sf', 'P-12', 'USD', 4200, ?, ?, 'OPEN', ?, ?, 1)",
                List.of(fineId, at, WHEN.plus(Duration.ofDays(30)), at, at));
        Sql.update(connection, "INSERT INTO fine_payments (id, fine_id, idempotency_key, currency_code, amount_minor,"
                + " paid_time) VALUES (?, ?, 'upgrade-payment', 'USD', 1000, ?)",
                List.of(UUID.randomUUID().toString(), fineId, at));
        Sql.update(connection, "INSERT INTO documents (id, title, kind, content, content_type, size_bytes, checksum_sha256,"
                + " version, create_time, update_time, title_terms, content_terms, owner, visibility, excerpt)"
                + " VALUES (?, 'Upgrade notice', 'NOTICE', 'parking rules', 'text/plain', 13, ?, 2, ?, ?, ' upgrade notice ',"
                + " ' parking rules ', 'system', 'PUBLIC', 'parking rules')", List.of(UUID.randomUUID().toString(), "0".repeat(64), at, at));
        Sql.update(connection, "INSERT INTO users (id, username, password_hash, roles, create_time, update_time)"
                + " VALUES (?, 'upgrade-admin', 'not-a-real-hash', 'ADMIN', ?, ?)", List.of(UUID.randomUUID().toString(), at, at));
        Sql.update(connection, "INSERT INTO alerts (id, rule, state, severity, summary, measured, threshold, unit, fire_time,"
                + " update_time, firing_key) VALUES (?, 'rpc_errors', 'FIRING', 'WARNING', 'errors above 5%', 0.07, 0.05,"
                + " 'ratio', ?, ?, 'rpc_errors|')", List.of(UUID.randomUUID().toString(), at, at));
        Sql.update(connection, "INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, max_attempts,"
                + " backoff_ms, create_time, update_time, version) VALUES (?, 'noop', '{}', 3, 'PENDING', ?, ?, 5, 1000, ?, ?, 1)",
                List.of(UUID.randomUUID().toString(), at, at, at, at));
    }

    private static List<String> rowsOfEachKind(Connection connection) throws SQLException {
        return List.of(
                Sql.one(connection, "SELECT f.citation_number, f.status, f.amount_minor FROM fines f"
                        + " JOIN fine_payments p ON p.fine_id = f.id", List.of(),
                        row -> "fine " + row.getString(1) + " " + row.getString(2) + " " + row.getLong(3)).orElse("no fine"),
                Sql.one(connection, "SELECT title, version FROM documents", List.of(),
                        row -> "document " + row.getString(1) + " " + row.getLong(2)).orElse("no document"),
                Sql.one(connection, "SELECT username, roles FROM users", List.of(),
                        row -> "user " + row.getString(1) + " " + row.getString(2)).orElse("no user"),
                Sql.one(connection, "SELECT rule, state FROM alerts", List.of(),
                        row -> "alert " + row.getString(1) + " " + row.getString(2)).orElse("no alert"),
                Sql.one(connection, "SELECT type, state, priority FROM tasks", List.of(),
                        row -> "task " + row.getString(1) + " " + row.getString(2) + " " + row.getInt(3)).orElse("no task"));
    }
}
