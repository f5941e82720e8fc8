package com.finehero.server.tasks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.finehero.server.platform.db.Sql;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The tasks contract on Postgres, and the plans of the statements that must not grow with the kept history. */
class TasksOnPostgresTest extends TasksContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Override
    FineHeroExtension app() {
        return APP;
    }

    @Test
    void queueDepthsAreCountedFromTheIndexAloneNotTheFinishedHistory() throws SQLException {
        var database = ((JdbcTaskStore) engine().store()).database();
        String type = "history_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection connection = database.directConnection("test: queue depth plan");
             Statement statement = connection.createStatement()) {
            try {
                // 20,000 finished tasks of a type no handler takes, one in a hundred DEAD, as the kept history looks
                statement.execute("INSERT INTO tasks (id, type, payload, priority, state, run_at, ready_key, attempts, max_attempts,"
                        + " backoff_ms, result, create_time, update_time, start_time, finish_time, version, submitter,"
                        + " submitter_roles, submitter_credential)"
                        + " SELECT md5('" + type + "' || i)::uuid::text, '" + type + "', '{}', 1 + i % 3,"
                        + " CASE WHEN i % 100 = 0 THEN 'DEAD' ELSE 'SUCCEEDED' END, now(), now(), 1, 3, 1000, '{}',"
                        + " now(), now(), now(), now(), 3, 'user-1', 'ROLE_API_USER', 'jwt'"
                        + " FROM generate_series(1, 20000) AS i");
                statement.execute("ANALYZE tasks");
                // vacuum marks their pages all-visible, as autovacuum does for rows that no longer change, but
                // only once no transaction that began before the insert is open in the database: the app's own
                // connections, and anything else using the database, keep working meanwhile
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    statement.execute("VACUUM tasks");
                    JsonObject scan = depthsScan(connection, type);
                    assertThat(scan.get("Node Type").getAsString()).as("plan: %s", scan).isEqualTo("Index Only Scan");
                    assertThat(scan.get("Index Name").getAsString()).isEqualTo("tasks_in_queue_with_state");
                    assertThat(scan.get("Actual Rows").getAsLong()).isEqualTo(200);
                    // none of the 200 dead tasks is read from the table (queue rows of other tests, on pages
                    // changed since the vacuum, may be: their visibility is checked before the type filter drops them)
                    assertThat(fetchedOfThisType(scan)).as("plan: %s; transactions holding back vacuum: %s", scan,
                            oldTransactions(statement)).isZero();
                });
            } finally {
                statement.execute("DELETE FROM tasks WHERE type = '" + type + "'");
                // the app's maintenance moves SUCCEEDED tasks to the history once its clock is five minutes past them
                statement.execute("DELETE FROM task_history WHERE type = '" + type + "'");
            }
        }
    }

    /** Sessions whose snapshot keeps vacuum from marking new rows visible to all, for a failure's message. */
    private static List<String> oldTransactions(Statement statement) throws SQLException {
        List<String> sessions = new ArrayList<>();
        try (ResultSet row = statement.executeQuery("SELECT pid, application_name, state, xact_start FROM pg_stat_activity"
                + " WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid() ORDER BY xact_start")) {
            while (row.next()) {
                sessions.add(row.getInt(1) + " " + row.getString(2) + " " + row.getString(3) + " since " + row.getString(4));
            }
        }
        return sessions;
    }

    /** Heap fetches beyond one per row the type filter dropped: at least that many rows of the type were read from the table. */
    private static long fetchedOfThisType(JsonObject scan) {
        long dropped = scan.has("Rows Removed by Filter") ? scan.get("Rows Removed by Filter").getAsLong() : 0;
        return Math.max(0, scan.get("Heap Fetches").getAsLong() - dropped);
    }

    /** The node of GetQueueStats' depths count (for one type) that reads the table or an index, as run. */
    private static JsonObject depthsScan(Connection connection, String type) throws SQLException {
        Sql.Where inQueue = JdbcTaskStore.inQueue(type);
        try (PreparedStatement explain = connection.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) "
                + JdbcTaskStore.DEPTHS.formatted(inQueue.clause()))) {
            List<Object> params = inQueue.params();
            for (int i = 0; i < params.size(); i++) {
                explain.setObject(i + 1, params.get(i));
            }
            JsonObject node;
            try (ResultSet row = explain.executeQuery()) {
                row.next();
                node = JsonParser.parseString(row.getString(1)).getAsJsonArray().get(0).getAsJsonObject().getAsJsonObject("Plan");
            }
            while (node.has("Plans")) {
                List<JsonObject> children = node.getAsJsonArray("Plans").asList().stream().map(element -> element.getAsJsonObject()).toList();
                assertThat(children).as("one input per node: %s", node).hasSize(1);
                node = children.getFirst();
            }
            return node;
        }
    }
}
