package com.finehero.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Redis server of a test's own (Debian's {@code redis-server}) on a free port, for tests that kill,
 * freeze or empty Redis: never the shared one on 6379. Nothing is persisted, so a restart comes back
 * empty. The process is this JVM's child and is signalled by its process id only. The same class runs
 * a replica ({@link #startReplicaOf}), a cluster node ({@link #startClusterNode}) and a sentinel
 * ({@link #startSentinel}, Debian's {@code redis-sentinel}); {@link OwnRedisTopology} puts them together.
 *
 * <pre>{@code
 * static final OwnRedis REDIS = OwnRedis.start();      // @AfterAll: REDIS.close()
 * REDIS.kill(); REDIS.startServer(); REDIS.freeze(); REDIS.thaw(); REDIS.restartEmpty(); REDIS.stop();
 * }</pre>
 */
public final class OwnRedis implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final Path directory;
    private final int port;
    private final List<String> command;
    private final Thread onExit;
    private volatile Process process;

    private OwnRedis(Path directory, int port, List<String> command) {
        this.directory = directory;
        this.port = port;
        this.command = List.copyOf(command);
        this.onExit = new Thread(this::destroyQuietly, "own-redis-cleanup-" + port);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Starts a Redis server on a free port; returns once it answers PING. */
    public static OwnRedis start() {
        return startWith(List.of());
    }

    /** Starts a server that replicates {@code master} ({@code --replicaof}). */
    public static OwnRedis startReplicaOf(OwnRedis master) {
        return startWith(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
    }

    /** Starts a server with cluster support on, not yet part of a cluster ({@code redis-cli --cluster create} joins them). */
    public static OwnRedis startClusterNode() {
        return startWith(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "2000"));
    }

    /**
     * Starts a {@code redis-sentinel} on a free port that monitors {@code master} as {@code masterName}:
     * it calls the master down after 1 s without an answer, and {@code quorum} sentinels must agree.
     */
    public static OwnRedis startSentinel(String masterName, OwnRedis master, int quorum) {
        try {
            Path directory = Files.createTempDirectory("own-redis-sentinel-");
            int port = ChildServer.freePort();
            Path conf = directory.resolve("sentinel.conf");
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "protected-mode no",
                    "dir " + directory,
                    "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " " + quorum,
                    "sentinel down-after-milliseconds " + masterName + " 1000",
                    "sentinel failover-timeout " + masterName + " 10000",
                    "sentinel parallel-syncs " + masterName + " 1",
                    ""));
            OwnRedis sentinel = new OwnRedis(directory, port, List.of("redis-sentinel", conf.toString()));
            sentinel.startServer();
            return sentinel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OwnRedis startWith(List<String> options) {
        try {
            Path directory = Files.createTempDirectory("own-redis-");
            int port = ChildServer.freePort();
            List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                    "--protected-mode", "no"));
            command.addAll(options);
            OwnRedis redis = new OwnRedis(directory, port, command);
            redis.startServer();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}, for {@code finehero.redis.address}. */
    public String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** The server's process id; -1 when it is not running. */
    public long pid() {
        Process current = process;
        return current != null && current.isAlive() ? current.pid() : -1;
    }

    /** Starts the server (again); returns once it answers PING. It holds no keys. */
    public synchronized void startServer() {
        if (pid() > 0) {
            throw new IllegalStateException("Redis on port " + port + " is already running");
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("server.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst() + " (apt-get install redis-server redis-sentinel)", e);
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!"+PONG".equals(ping())) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("Redis on port " + port + " did not answer PING; see "
                        + directory.resolve("server.log"));
            }
            sleep(50);
        }
    }

    /** SIGKILL: connections break at once and nothing answers until {@link #startServer}. */
    public void kill() {
        stopWith("KILL");
    }

    /** SIGTERM and waits for the exit. */
    public void stop() {
        stopWith("TERM");
    }

    /** SIGSTOP: connections stay open but nothing answers until {@link #thaw}. */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze}. */
    public void thaw() {
        signal("CONT");
    }

    /** Killed and started again: the same address, every key gone. */
    public void restartEmpty() {
        kill();
        startServer();
    }

    /** One PING over a new connection; the answer line, or the failure's message. */
    public String ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** Runs {@code redis-cli -p <port> <arguments>} and returns what it printed; fails if it exits non-zero. */
    public String cli(String... arguments) {
        List<String> full = new java.util.ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        full.addAll(List.of(arguments));
        return OwnRedisTopology.run(full);
    }

    /** The server's log, for a failure's message. */
    public Path log() {
        return directory.resolve("server.log");
    }

    /** The number of keys in database 0 ({@code DBSIZE}). */
    public long keys() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("DBSIZE\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return Long.parseLong(line.substring(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stopWith(String signal) {
        Process current = process;
        if (current == null || !current.isAlive()) {
            throw new IllegalStateException("Redis on port " + port + " is not running");
        }
        if ("KILL".equals(signal) || "TERM".equals(signal)) {
            signalQuietly("CONT", current.pid()); // a frozen server acts on nothing else
        }
        signal(signal);
        try {
            if (!current.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("Redis on port " + port + " did not exit after SIG" + signal);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void signal(String signal) {
        long pid = pid();
        if (pid < 0) {
            throw new IllegalStateException("Redis on port " + port + " is not running");
        }
        try {
            Process kill = new ProcessBuilder(List.of("kill", "-" + signal, Long.toString(pid))).inheritIO().start();
            if (!kill.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void signalQuietly(String signal, long pid) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // the process is gone
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
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
            signalQuietly("CONT", current.pid());
            current.destroyForcibly();
            try {
                current.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
