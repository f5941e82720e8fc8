package com.finehero.server.platform;

import java.nio.file.Files;
import java.nio.file.Path;

import com.finehero.server.testing.ChildServer;
import com.finehero.server.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded server stopped with SIGTERM shuts down without a stack trace: H2 must not close the
 * database from its own JVM shutdown hook while FineHero's shutdown still drains and closes the pool.
 */
class H2ShutdownTest {

    @TempDir
    Path directory;

    @Test
    void sigtermLogsNoStackTrace() throws Exception {
        try (ChildServer server = ChildServer.builder("h2", directory)
                .env("FINEHERO_DB_URL", "jdbc:h2:" + directory.resolve("finehero")
                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH")
                .env("FINEHERO_REDIS_ADDRESS", "")
                .env("FINEHERO_AUTH_JWT_KEYS", TestKeys.JWK_SET)
                .env("FINEHERO_TASKS_POLL", "PT0.1S")
                .start()) {
            server.awaitStarted();
            assertThat(server.terminate()).as("stopped after SIGTERM").isNotEqualTo(128 + 9);
            String output = Files.readString(server.log());
            assertThat(output).as(output).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }
}
