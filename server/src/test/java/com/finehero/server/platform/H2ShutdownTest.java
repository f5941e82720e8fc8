package com.finehero.server.platform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The embedded server stopped with SIGTERM shuts down without a stack trace: H2 must not close the
 * database from its own JVM shutdown hook while FineHero's shutdown still drains and closes the pool.
 */
class H2ShutdownTest {

    @TempDir
    Path directory;

    @Test
    void sigtermLogsNoStackTrace() throws Exception {
        Path log = directory.resolve("server.log");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", classpath, "com.finehero.server.Main")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("SERVER_PORT", "0");
        env.put("SERVER_HOST", "127.0.0.1");
        env.put("FINEHERO_DB_URL", "jdbc:h2:" + directory.resolve("finehero")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        env.put("FINEHERO_REDIS_ADDRESS", "");
        env.put("FINEHERO_AUTH_JWT_KEYS", com.finehero.server.testing.TestKeys.JWK_SET);
        env.put("FINEHERO_TASKS_POLL", "PT0.1S");
        Process server = builder.start();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(server.isAlive()).as("server process died; see " + log).isTrue();
                return Files.readString(log).contains("FineHero started");
            });
            Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(server.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
            String output = Files.readString(log);
            assertThat(output).as(output).doesNotContain("\tat ").doesNotContain("Exception");
        } finally {
            server.destroyForcibly();
        }
    }
}
