package com.finehero.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import com.finehero.server.platform.db.DbConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** On PostgreSQL (FINEHERO_TEST_PG_URL, FINEHERO_TEST_PG_USER), in a schema of its own. */
class DbClientBenchOnPostgresTest extends DbClientBenchContract {

    private static final String SCHEMA = "t_dbclient_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @BeforeAll
    static void openDatabase() {
        try (Connection connection = DriverManager.getConnection(url(), user(), "")) {
            connection.isValid(2);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + url() + " as " + user() + " (" + e.getMessage()
                    + "); set FINEHERO_TEST_PG_URL / FINEHERO_TEST_PG_USER", e);
        }
        open(new DbConfig(url(), user(), "", SCHEMA, 1, 2, Duration.ofSeconds(5), Duration.ofMillis(500),
                new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1))));
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        close();
        try (Connection connection = DriverManager.getConnection(url(), user(), "");
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    private static String url() {
        return env("FINEHERO_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    }

    private static String user() {
        return env("FINEHERO_TEST_PG_USER", "postgres");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
