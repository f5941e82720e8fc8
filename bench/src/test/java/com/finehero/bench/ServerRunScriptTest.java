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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command, {@code bin/finehero-server}, records an AOT cache on its first run after a
 * build and starts from it on the next. Here rather than in the server module because it runs the
 * packaged server jar, which exists only after the server module's own tests.
 */
class ServerRunScriptTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path JAR = ROOT.resolve("server/target/finehero-server.jar");
    /**
     * The JVM's own account of the cache it maps, and of the options it runs with; the same options on every
     * run, as the cache is keyed by them.
     */
    private static final String AOT_LOG = "-Xlog:aot=info -XX:+PrintCommandLineFlags";
    private static final String CACHE_REFUSED = "An error has occurred while processing the AOT cache";

    @Test
    void firstRunRecordsTheAotCacheAndTheNextStartsFromIt(@TempDir Path work) throws Exception {
        Path cache = work.resolve("server.aot");
        Map<String, String> env = Map.of("FINEHERO_AOT_CACHE_FILE", cache.toString(), "JAVA_OPTS", AOT_LOG);
        if (scriptJavaMajor() < 25) {
            // AOT caches need JDK 25; with an older JDK the script starts the jar as it is
            Run plain = run(work, env);
            assertEquals(0, plain.exitCode(), plain.output());
            assertFalse(plain.output().contains("recording an AOT cache"), plain.output());
            assertFalse(Files.exists(cache));
            return;
        }

        Run first = run(work, env);
        assertEquals(0, first.exitCode(), first.output());
        assertRunsWithTheServersJvmOptions(first);
        assertRunsWithTheServersJvmEnv(first);
        assertTrue(first.output().contains("recording an AOT cache"), first.output());
        assertTrue(Files.isRegularFile(cache) && Files.size(cache) > 0, "the cache is kept when the server stopped cleanly");

        Run second = run(work, env);
        assertEquals(0, second.exitCode(), second.output());
        assertRunsWithTheServersJvmEnv(second);
        assertFalse(second.output().contains("recording an AOT cache"), second.output());
        assertTrue(second.output().contains("Opened AOT cache " + cache), second.output());
        assertFalse(second.output().contains(CACHE_REFUSED), second.output());

        // what a cache the JVM cannot use looks like in that log, so the check above can fail
        Files.writeString(cache, "not an AOT cache");
        Run refused = run(work, env);
        assertTrue(refused.output().contains(CACHE_REFUSED), refused.output());

        // other options than the ones it was recorded with: a new recording, not a refused cache
        Run otherOptions = run(work, Map.of("FINEHERO_AOT_CACHE_FILE", cache.toString(), "JAVA_OPTS", AOT_LOG + " -Xss2m"));
        assertEquals(0, otherOptions.exitCode(), otherOptions.output());
        assertTrue(otherOptions.output().contains("recording an AOT cache"), otherOptions.output());
    }

    /** Every option of server/jvm.options is among those the JVM reports it runs with. */
    private static void assertRunsWithTheServersJvmOptions(Run run) throws IOException {
        List<String> options = Files.readAllLines(ROOT.resolve("server/jvm.options")).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .toList();
        assertFalse(options.isEmpty(), "server/jvm.options holds no option");
        String flags = run.output().lines().filter(line -> line.startsWith("-XX:")).findFirst().orElse("");
        List<String> given = List.of(flags.split(" "));
        for (String option : options) {
            assertTrue(given.stream().anyMatch(flag -> sameOption(option, flag)), option + " not among the JVM's flags: " + flags);
        }
    }

    /** The same flag with the same value; the JVM prints a fractional flag's value as {@code 2.000000}. */
    private static boolean sameOption(String option, String flag) {
        if (option.equals(flag)) {
            return true;
        }
        int equals = option.indexOf('=');
        if (equals < 0 || !flag.startsWith(option.substring(0, equals + 1))) {
            return false;
        }
        try {
            return Double.parseDouble(option.substring(equals + 1)) == Double.parseDouble(flag.substring(equals + 1));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The server JVM's environment holds every NAME=value line of server/jvm.env. */
    private static void assertRunsWithTheServersJvmEnv(Run run) throws IOException {
        List<String> settings = jvmEnv();
        assertFalse(settings.isEmpty(), "server/jvm.env holds no setting");
        assertTrue(run.jvmEnvironment().containsAll(settings), "the server JVM's environment lacks some of " + settings
                + ": " + run.jvmEnvironment());
    }

    private static List<String> jvmEnv() throws IOException {
        return Files.readAllLines(ROOT.resolve("server/jvm.env")).stream()
                .filter(line -> line.matches("[A-Za-z_][A-Za-z0-9_]*=.*"))
                .toList();
    }

    /**
     * The environment of the JVM running the jar: the script itself once it has exec'd java, or its child
     * while it records a cache.
     */
    private static List<String> jvmEnvironment(Process script) throws IOException {
        for (ProcessHandle process : java.util.stream.Stream.concat(java.util.stream.Stream.of(script.toHandle()),
                script.descendants()).toList()) {
            Path proc = Path.of("/proc", Long.toString(process.pid()));
            String commandLine = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
            if (commandLine.contains("bin/java") && commandLine.contains(JAR.getFileName().toString())) {
                return List.of(Files.readString(proc.resolve("environ")).split("\0"));
            }
        }
        throw new AssertionError("no JVM running " + JAR.getFileName() + " under the script (pid " + script.pid() + ")");
    }

    /** The major version of the JDK bin/jdk.sh picks for the scripts. */
    private static int scriptJavaMajor() throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("bash", "-c", ". bin/jdk.sh && finehero_select_jdk && finehero_java_major \"$JAVA_HOME\"")
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, probe.waitFor(), out);
        return Integer.parseInt(out.lines().reduce((first, last) -> last).orElseThrow());
    }

    private record Run(int exitCode, String output, List<String> jvmEnvironment) { }

    /** Starts the script, waits for readiness, stops it with SIGTERM and waits for it to exit. */
    private static Run run(Path work, Map<String, String> env) throws Exception {
        assertJarIsCurrent();
        int port = freePort();
        Path log = Files.createTempFile(work, "server", ".log");
        ProcessBuilder builder = new ProcessBuilder("bash", ROOT.resolve("bin/finehero-server").toString())
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // nothing from the caller's environment that changes how the script or the server starts
        List<String> jvmEnvNames = jvmEnv().stream().map(setting -> setting.substring(0, setting.indexOf('='))).toList();
        builder.environment().keySet().removeIf(name -> name.startsWith("FINEHERO_") || name.equals("JAVA_OPTS")
                || jvmEnvNames.contains(name));
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().put("SERVER_HOST", "127.0.0.1");
        builder.environment().put("FINEHERO_LOG_FORMAT", "text");
        builder.environment().putAll(env);
        Process server = builder.start();
        boolean ready;
        List<String> jvmEnvironment = List.of();
        try {
            ready = awaitReady(server, port);
            if (ready) {
                jvmEnvironment = jvmEnvironment(server);
            }
        } finally {
            server.destroy(); // SIGTERM: to the JVM, or to the script that passes it on while recording
            if (!server.waitFor(180, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(ready, "not ready within 120 s: " + output);
        return new Run(server.exitValue(), output, jvmEnvironment);
    }

    /** The script would build a stale jar first, inside this test's time; the build made it just before. */
    private static void assertJarIsCurrent() throws IOException, InterruptedException {
        Process newer = new ProcessBuilder("find", "pom.xml", "proto/pom.xml", "proto/src", "server/pom.xml", "server/src/main",
                "-newer", JAR.toString(), "-type", "f", "-print", "-quit")
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(newer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, newer.waitFor(), out);
        assertTrue(Files.isRegularFile(JAR) && out.isEmpty(), "package the server first (./mvnw verify): " + JAR + " is older than " + out);
    }

    private static boolean awaitReady(Process server, int port) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (server.isAlive() && System.nanoTime() < deadline) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
