package com.finehero.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A FineHero server ({@code com.finehero.server.Main}) as a child JVM: the running JDK's {@code java},
 * the test classpath, configuration through environment variables, output appended to a log file. It
 * listens on a port chosen once, so a restart comes back where clients look for it.
 *
 * <pre>{@code
 * ChildServer server = ChildServer.builder("a", logDirectory).env("FINEHERO_DB_URL", url).start();
 * server.awaitStarted();          // "FineHero started" in the log
 * server.kill();                  // SIGKILL; server.terminate() is SIGTERM and waits for the exit
 * server.start(); server.awaitReady();
 * }</pre>
 *
 * {@link #close()} (and JVM exit) kills a process still running.
 */
public final class ChildServer implements AutoCloseable {

    private static final Duration START_WAIT = Duration.ofSeconds(90);

    private final String name;
    private final Path log;
    private final int port;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread onExit;
    private volatile Process process;
    private long logOffsetAtStart;

    private ChildServer(Builder builder) {
        this.name = builder.name;
        this.log = builder.logDirectory.resolve("server-" + builder.name + ".log");
        this.port = builder.port > 0 ? builder.port : freePort();
        this.env = Map.copyOf(builder.env);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.onExit = new Thread(this::destroyQuietly, "child-server-cleanup-" + name);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** A server named {@code name} (its log is {@code server-<name>.log} in {@code logDirectory}). */
    public static Builder builder(String name, Path logDirectory) {
        return new Builder(name, logDirectory);
    }

    /** Starts the process (again, after {@link #kill} or {@link #terminate}); does not wait for it. */
    public synchronized ChildServer start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("server " + name + " is already running (pid " + process.pid() + ")");
        }
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, "com.finehero.server.Main"));
        try {
            Files.createDirectories(log.getParent());
            logOffsetAtStart = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> environment = builder.environment();
            environment.put("SERVER_HOST", "127.0.0.1");
            environment.putAll(env);
            environment.put("SERVER_PORT", Integer.toString(port));
            process = builder.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start server " + name, e);
        }
    }

    /** Waits until this run of the process logged that it started (readiness may still be 503). */
    public ChildServer awaitStarted() {
        awaitLog(Pattern.compile("FineHero started"));
        return this;
    }

    /** Waits until {@code GET /observe/health/ready} answers 200. */
    public ChildServer awaitReady() {
        await().atMost(START_WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertAlive();
            return readiness() == 200;
        });
        return this;
    }

    /** Waits until this run of the process logged a line matching {@code pattern}; returns the match. */
    public Matcher awaitLog(Pattern pattern) {
        Matcher[] found = new Matcher[1];
        await().atMost(START_WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertAlive();
            Matcher matcher = pattern.matcher(logOfThisRun());
            if (matcher.find()) {
                found[0] = matcher;
                return true;
            }
            return false;
        });
        return found[0];
    }

    /** The HTTP status of {@code GET /observe/health/ready}; -1 when nothing answers within a second. */
    public int readiness() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGTERM, then waits for the process to exit (its drain included); returns the exit code. */
    public int terminate() {
        return stopWith("TERM", Duration.ofSeconds(60));
    }

    /** SIGKILL (kill -9), then waits for the process to be gone; returns the exit code (137). */
    public int kill() {
        return stopWith("KILL", Duration.ofSeconds(10));
    }

    /** Sends a signal by name ({@code STOP}, {@code CONT}, …) to the process. */
    public void signal(String signal) {
        Process current = requireRunning();
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(current.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + current.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling server " + name, e);
        }
    }

    private int stopWith(String signal, Duration wait) {
        Process current = requireRunning();
        signal(signal);
        try {
            if (!current.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                current.destroyForcibly();
                throw new IllegalStateException("server " + name + " did not exit within " + wait + " of SIG" + signal);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for server " + name, e);
        }
        return current.exitValue();
    }

    public int port() {
        return port;
    }

    public long pid() {
        return requireRunning().pid();
    }

    public boolean isAlive() {
        Process current = process;
        return current != null && current.isAlive();
    }

    public Path log() {
        return log;
    }

    /** What the current (or last) run of the process wrote. */
    public String logOfThisRun() throws IOException {
        String all = Files.readString(log);
        return all.substring((int) Math.min(logOffsetAtStart, all.length()));
    }

    private Process requireRunning() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            throw new IllegalStateException("server " + name + " is not running; see " + log.toAbsolutePath());
        }
        return current;
    }

    private void assertAlive() {
        assertThat(isAlive()).as("server " + name + " died; see " + log.toAbsolutePath()).isTrue();
    }

    @Override
    public void close() {
        destroyQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException exiting) {
            // already running the hooks
        }
    }

    private void destroyQuietly() {
        Process current = process;
        if (current != null && current.isAlive()) {
            current.destroyForcibly();
            try {
                current.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A port nothing listens on now, for a process a test starts. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static final class Builder {
        private final String name;
        private final Path logDirectory;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> jvmOptions = new java.util.ArrayList<>(List.of("-Xmx256m"));
        private int port;

        private Builder(String name, Path logDirectory) {
            this.name = Objects.requireNonNull(name, "name");
            this.logDirectory = Objects.requireNonNull(logDirectory, "logDirectory");
        }

        /** An environment variable of the server (a configuration key, see docs/operations.md). */
        public Builder env(String variable, String value) {
            env.put(Objects.requireNonNull(variable, "variable"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A JVM option in place of the default {@code -Xmx256m} ones, e.g. {@code -Xmx512m}. */
        public Builder jvmOptions(String... options) {
            jvmOptions.clear();
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /** The port to listen on (default: one free when the server is built). */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
            }
            this.port = port;
            return this;
        }

        /** Builds the server and starts its first run. */
        public ChildServer start() {
            return new ChildServer(this).start();
        }
    }
}
