package com.finehero.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own, on a free port in a temporary directory, for tests that stop,
 * freeze or kill the database: never the shared one on 5432. Run as the {@code postgres} user when the
 * tests run as root (PostgreSQL refuses root). Trust authentication, user {@code postgres}, database
 * {@code postgres}.
 *
 * <pre>{@code
 * static final OwnPostgres PG = OwnPostgres.start();   // @AfterAll: PG.close()
 * PG.stop(); PG.start(); PG.freeze(); PG.thaw(); PG.restartImmediately(); PG.stopFor(Duration.ofSeconds(10));
 * }</pre>
 *
 * Every instance is also stopped and its directory removed at JVM exit, so an aborted run leaves no
 * server behind.
 */
public final class OwnPostgres implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Path directory;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;
    private final Thread onExit;

    private OwnPostgres(Path directory, int port, boolean asPostgresUser) {
        this.directory = directory;
        this.data = directory.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
        this.onExit = new Thread(this::destroyQuietly, "own-postgres-cleanup-" + port);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Creates a cluster on a free port and starts it. */
    public static OwnPostgres start() {
        try {
            boolean root = "root".equals(System.getProperty("user.name"));
            Path directory = Files.createTempDirectory("own-postgres-");
            OwnPostgres pg = new OwnPostgres(directory, ChildServer.freePort(), root);
            if (root) {
                pg.run(List.of("chown", "-R", "postgres:postgres", directory.toString()), false);
                pg.run(List.of("chmod", "755", directory.toString()), false);
            }
            pg.run(List.of(binary("initdb"), "-D", pg.data.toString(), "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8"), true);
            pg.startServer();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A streaming replica of this server: {@code pg_basebackup -R} into a directory of its own, started on
     * another free port as a hot standby. Stop, freeze and close it like any {@code OwnPostgres}; pause its
     * replay with {@code SELECT pg_wal_replay_pause()} on {@link #connect}.
     */
    public OwnPostgres replica() {
        try {
            Path replicaDirectory = Files.createTempDirectory("own-postgres-replica-");
            OwnPostgres replica = new OwnPostgres(replicaDirectory, ChildServer.freePort(), asPostgresUser);
            if (asPostgresUser) {
                replica.run(List.of("chown", "-R", "postgres:postgres", replicaDirectory.toString()), false);
                replica.run(List.of("chmod", "755", replicaDirectory.toString()), false);
            }
            replica.run(List.of(binary("pg_basebackup"), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                    "-D", replica.data.toString(), "-R", "-X", "stream", "--no-sync"), true);
            replica.startServer();
            return replica;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    /** A plain connection (auto-commit), for a test's own checks and faults. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), "");
    }

    /** Starts the server again after {@link #stop} or {@link #kill}; returns once it accepts connections. */
    public void startServer() {
        run(List.of(binary("pg_ctl"), "-D", data.toString(), "-l", directory.resolve("server.log").toString(),
                "-o", "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "-w", "-t", Long.toString(WAIT.toSeconds()), "start"), true);
    }

    /** Stops the server, disconnecting every client at once ({@code -m fast}). */
    public void stop() {
        run(List.of(binary("pg_ctl"), "-D", data.toString(), "-m", "fast", "-w", "stop"), true);
    }

    /** Stops the server like a crash ({@code -m immediate}: no checkpoint, recovery on the next start). */
    public void kill() {
        run(List.of(binary("pg_ctl"), "-D", data.toString(), "-m", "immediate", "-w", "stop"), true);
    }

    /** Stops the server ({@code -m fast}), leaves it down for {@code down}, starts it again and returns. */
    public void stopFor(Duration down) {
        stop();
        try {
            Thread.sleep(down.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while PostgreSQL on port " + port + " was down", e);
        } finally {
            startServer();
        }
    }

    /** {@code -m immediate} then start: a crash and recovery. */
    public void restartImmediately() {
        kill();
        startServer();
    }

    /** Freezes the whole server (postmaster and backends) with SIGSTOP: connections hang, nothing answers. */
    public void freeze() {
        signalAll("STOP");
    }

    /** Undoes {@link #freeze} with SIGCONT. */
    public void thaw() {
        signalAll("CONT");
    }

    /** The postmaster's process id, from its pid file; -1 when the server is not running. */
    public long pid() {
        try {
            List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"));
            return lines.isEmpty() ? -1 : Long.parseLong(lines.getFirst().trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private void signalAll(String signal) {
        long postmaster = pid();
        if (postmaster < 0) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is not running");
        }
        List<String> pids = new ArrayList<>();
        pids.add(Long.toString(postmaster));
        ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(d -> pids.add(Long.toString(d.pid()))));
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        command.addAll(pids);
        run(command, false);
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
        try {
            long postmaster = pid();
            if (postmaster > 0) {
                ProcessHandle.of(postmaster).ifPresent(p -> {
                    // a frozen server ignores everything but SIGCONT and SIGKILL
                    signalQuietly("CONT", p.pid());
                    p.descendants().forEach(d -> signalQuietly("CONT", d.pid()));
                });
                run(List.of(binary("pg_ctl"), "-D", data.toString(), "-m", "immediate", "-w", "stop"), true);
            }
        } catch (RuntimeException ignored) {
            // best effort: the directory is removed below whatever happened
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    private static void signalQuietly(String signal, long pid) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // the process is gone
        }
    }

    private void run(List<String> command, boolean asDatabaseUser) {
        List<String> full = new ArrayList<>();
        if (asDatabaseUser && asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("commands.log").toFile()))
                    .start();
            if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", full) + " did not finish within " + WAIT.toSeconds() + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", full) + " failed (exit " + process.exitValue() + "): "
                        + Files.readString(directory.resolve("commands.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + full, e);
        }
    }

    /** The newest installed PostgreSQL's {@code bin} directory, or the PATH. */
    private static String binary(String name) {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin").resolve(name)).filter(Files::isExecutable)
                    .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getParent().getFileName().toString())))
                    .map(Path::toString).orElse(name);
        } catch (IOException | NumberFormatException e) {
            return name;
        }
    }
}
