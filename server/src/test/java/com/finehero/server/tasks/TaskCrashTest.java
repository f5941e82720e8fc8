package com.finehero.server.tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.finehero.api.tasks.v1.BatchSubmitTasksRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.ChildServer;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real server processes ({@code com.finehero.server.Main}) share one PostgreSQL schema and run
 * 10 000 noop tasks; one is killed with SIGKILL while it holds claimed tasks. Every task must end
 * SUCCEEDED, and exactly the tasks the killed process held run a second time (after their leases
 * expire); no other task runs twice. The in-test app only submits (its workers are off).
 */
class TaskCrashTest {

    static final int TASKS = 10_000;

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.tasks.enabled", "false")
            .with("finehero.tasks.maintenance", "PT1H");

    private final List<ChildServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(ChildServer::close);
    }

    @Test
    void everyTaskSucceedsOnceAfterAServerIsKilledMidRun() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "crash-test"));
        ChildServer doomed = startServer("a", logs);
        ChildServer survivor = startServer("b", logs);
        String doomedOwner = awaitEngine(doomed);
        awaitEngine(survivor);

        // submitted while the servers already run, 500 per call
        TasksServiceGrpc.TasksServiceBlockingStub tasks = TasksServiceGrpc.newBlockingStub(APP.channel());
        Thread submitter = Thread.ofVirtual().start(() -> {
            for (int batch = 0; batch < TASKS / 500; batch++) {
                BatchSubmitTasksRequest.Builder request = BatchSubmitTasksRequest.newBuilder();
                for (int i = 0; i < 500; i++) {
                    request.addRequests(SubmitTaskRequest.newBuilder().setType("noop")
                            .setIdempotencyKey("crash-" + (batch * 500 + i)));
                }
                tasks.withDeadlineAfter(Duration.ofSeconds(30)).batchSubmitTasks(request.build());
            }
        });

        // Freeze A (SIGSTOP) once a tenth is done and look at what it holds: with A stopped its
        // committed claims cannot change. If it holds nothing at that instant, let it go on and try
        // again; otherwise SIGKILL it: the same as a crash at the instant it was frozen.
        Set<String> heldAtDeath = new HashSet<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> {
            if (count("type = 'noop' AND state = 'SUCCEEDED'") < TASKS / 10) {
                return false;
            }
            doomed.signal("STOP");
            Set<String> held = ids("state = 'RUNNING' AND lease_owner = '" + doomedOwner + "'");
            if (held.isEmpty()) {
                doomed.signal("CONT");
                return false;
            }
            assertThat(doomed.kill()).as("killed by SIGKILL").isEqualTo(128 + 9);
            heldAtDeath.addAll(held);
            return true;
        });
        long doneAtKill = count("type = 'noop' AND state = 'SUCCEEDED'");
        submitter.join(Duration.ofSeconds(60));
        assertThat(submitter.isAlive()).as("submission finished").isFalse();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> count("type = 'noop' AND state = 'SUCCEEDED'") == TASKS);

        // one query: the recurring schedules (analytics rollup, overdue sweep) add other tasks at
        // any moment, so a count of all tasks and a count of the others can disagree between two reads
        assertThat(count("type = 'noop'")).as("one task per idempotency key").isEqualTo(TASKS);
        assertThat(count("type = 'noop' AND state <> 'SUCCEEDED'")).isZero();
        Set<String> repeated = ids("type = 'noop' AND attempts > 1");
        assertThat(heldAtDeath).as("the killed process held claimed tasks").isNotEmpty();
        assertThat(repeated).as("exactly the tasks the killed process held ran again, each once more")
                .containsExactlyInAnyOrderElementsOf(heldAtDeath);
        assertThat(count("type = 'noop' AND attempts > 2")).isZero();
        assertThat(count("type = 'noop' AND attempts = 0")).isZero();
        System.out.printf("crash test: %d tasks, %d done when server A was SIGKILLed holding %d claimed tasks; "
                        + "%d task(s) ran a second time (re-executions), every task SUCCEEDED once%n",
                TASKS, doneAtKill, heldAtDeath.size(), repeated.size());
        Files.writeString(logs.resolve("report.txt"), "tasks=" + TASKS + " done_at_kill=" + doneAtKill + " held_by_killed="
                + heldAtDeath.size() + " re_executed=" + repeated.size() + "\n");
    }

    private ChildServer startServer(String name, Path logs) {
        ChildServer server = ChildServer.builder(name, logs)
                .env("FINEHERO_DB_URL", setting("finehero.db.url"))
                .env("FINEHERO_DB_USER", setting("finehero.db.user"))
                .env("FINEHERO_DB_SCHEMA", setting("finehero.db.schema"))
                .env("FINEHERO_REDIS_ADDRESS", setting("finehero.redis.address"))
                .env("FINEHERO_REDIS_PREFIX", setting("finehero.redis.prefix"))
                .env("FINEHERO_AUTH_JWT_KEYS", com.finehero.server.testing.TestKeys.JWK_SET)
                .env("FINEHERO_TASKS_LEASE", "PT5S")
                .env("FINEHERO_TASKS_HEARTBEAT", "PT1S")
                .env("FINEHERO_TASKS_MAINTENANCE", "PT1S")
                .env("FINEHERO_TASKS_POLL", "PT0.2S")
                .env("FINEHERO_HEALTH_INTERVAL", "PT30S")
                .env("FINEHERO_TASKS_SCHEDULES_OVERDUE_dash_SWEEP", "")
                .start();
        servers.add(server);
        return server;
    }

    private static String setting(String key) {
        return APP.config().get(key).asString().orElse("");
    }

    /** Waits for the server's engine to start; returns its owner name. */
    private static String awaitEngine(ChildServer server) {
        return server.awaitLog(Pattern.compile("task engine (\\S+) runs up to")).group(1);
    }

    private static long count(String where) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM tasks WHERE " + where)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static Set<String> ids(String where) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id FROM tasks WHERE " + where)) {
            Set<String> ids = new HashSet<>();
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
            return ids;
        }
    }

    private static Connection connect() throws SQLException {
        Connection connection = DriverManager.getConnection(setting("finehero.db.url"), setting("finehero.db.user"), "");
        connection.setSchema(setting("finehero.db.schema"));
        return connection;
    }
}
