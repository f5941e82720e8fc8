package com.finehero.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task peers of peers.sh on PostgreSQL (FINEHERO_TEST_PG_URL, FINEHERO_TEST_PG_USER): db-scheduler drains
 * every preloaded task and leaves its table empty, the raw floor claims the batch size it is given, and the
 * floor on FineHero's own tables runs every job through them.
 */
class TaskPeersOnPostgresTest {

    private final String schema = "t_peers_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @TempDir
    Path dir;

    @Test
    void dbSchedulerDrainsEveryPreloadedTaskInItsOwnSchema() throws Exception {
        Path out = dir.resolve("dbscheduler.json");
        // a drain that never ends (tasks not picked) fails here instead of hanging the build
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> DbSchedulerPeer.main(new String[] {
                url(), user(), schema, "300", "100", "4", "4", out.toString()}));
        JsonObject result = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals(300, result.get("tasks").getAsInt());
        assertTrue(result.get("tasks_per_second").getAsDouble() > 0, result.toString());
        try (Connection connection = DriverManager.getConnection(url(), user(), "");
             Statement statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT count(*) FROM " + schema + ".scheduled_tasks")) {
            rows.next();
            assertEquals(0, rows.getLong(1));
        }
    }

    @Test
    void rawFloorClaimsTheGivenBatchAndFinishesEveryJob() throws Exception {
        Path out = dir.resolve("raw.json");
        TaskThroughputBench.main(new String[] {"baseline", url(), user(), "1000", "2", out.toString(), "100"});
        JsonObject result = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals(1000, result.get("jobs").getAsInt());
        assertEquals(100, result.get("claim").getAsInt());
    }

    @Test
    void floorOnFineHerosRowsRunsEveryJobThroughItsMigratedTables() throws Exception {
        Path out = dir.resolve("floor.json");
        // the floor itself fails unless every task ended SUCCEEDED with three events each
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> TaskThroughputBench.main(new String[] {
                "floor", url(), user(), "1000", "2", out.toString(), "100", "finehero-row"}));
        JsonObject result = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        assertEquals(1000 + 200, result.get("jobs").getAsInt(), result.toString());
        assertEquals("finehero_row", result.get("shape").getAsString());
    }

    @AfterEach
    void dropSchema() throws Exception {
        try (Connection connection = DriverManager.getConnection(url(), user(), "");
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
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
