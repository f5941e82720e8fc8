package com.finehero.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command, {@code bin/finehero-server}, records an AOT cache on its first run after a
 * build and starts from it on the next. Here rather than in the server module because it runs the
 * packaged server jar, which exists only after the server module's own tests.
 */
class ServerRunScriptTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path CACHE = ROOT.resolve("server/target/finehero-server.aot");

    @Test
    void firstRunRecordsTheAotCacheAndTheNextStartsFromIt(@TempDir Path work) throws Exception {
        Files.deleteIfExists(CACHE);
        if (scriptJavaMajor() < 25) {
            // AOT caches need JDK 25; with an older JDK the script starts the jar as it is
            Run plain = run(work, Map.of());
            assertEquals(0, plain.exitCode(), plain.output());
            assertFalse(plain.output().contains("recording an AOT cache"), plain.output());
            assertFalse(Files.exists(CACHE));
            return;
        }

        Run first = run(work, Map.of());
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("recording an AOT cache"), first.output());
        assertTrue(Files.isRegularFile(CACHE) && Files.size(CACHE) > 0, "the cache is written when the server stops");

        // AOTMode=on: a JVM that cannot use the cache stops instead of starting without it
        Run second = run(work, Map.of("JAVA_OPTS", "-XX:AOTMode=on"));
        assertEquals(0, second.exitCode(), second.output());
        assertFalse(second.output().contains("recording an AOT cache"), second.output());

        // and the same check refuses a file that is not a cache of this jar (kept: it is newer than the jar)
        Files.writeString(CACHE, "not an AOT cache");
        try {
            Run refused = run(work, Map.of("JAVA_OPTS", "-XX:AOTMode=on"));
            assertNotEquals(0, refused.exitCode(), refused.output());
            assertTrue(refused.output().contains("Unable to use AOT cache"), refused.output());
        } finally {
            Files.deleteIfExists(CACHE); // the next run of the script records a real one
        }
    }

    /** The major version of the JDK bin/jdk.sh picks for the scripts. */
    private static int scriptJavaMajor() throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("bash", "-c", ". bin/jdk.sh && finehero_select_jdk && finehero_java_major \"$JAVA_HOME\"")
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, probe.waitFor(), out);
        return Integer.parseInt(out.lines().reduce((first, last) -> last).orElseThrow());
    }

    private record Run(int exitCode, String output) { }

    /** Starts the script, waits for readiness (or its exit), stops it with SIGTERM. */
    private static Run run(Path work, Map<String, String> env) throws Exception {
        int port = freePort();
        Path log = Files.createTempFile(work, "server", ".log");
        ProcessBuilder builder = new ProcessBuilder("bash", ROOT.resolve("bin/finehero-server").toString())
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().put("SERVER_HOST", "127.0.0.1");
        builder.environment().put("FINEHERO_LOG_FORMAT", "text");
        builder.environment().putAll(env);
        Process server = builder.start();
        try {
            awaitReadyOrExit(server, port);
        } finally {
            server.destroy(); // SIGTERM to the JVM: the script execs it
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        return new Run(server.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void awaitReadyOrExit(Process server, int port) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (server.isAlive() && System.nanoTime() < deadline) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
