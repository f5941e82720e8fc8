package com.finehero.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A PgBouncer of a test's own (Debian's {@code pgbouncer}) on a free port, in front of a PostgreSQL
 * server, with its configuration file in a temporary directory: trust authentication, a user list
 * naming the server's user, {@code pool_mode = transaction}. Server sessions are handed out round-robin
 * ({@code server_round_robin = 1}), so consecutive transactions of one client really do land on
 * different server sessions and anything a session kept would show. Stopped (SIGTERM, then SIGKILL) by
 * its process id on {@link #close} and at JVM exit.
 *
 * <pre>{@code
 * static final OwnPgBouncer BOUNCER = OwnPgBouncer.inFrontOf(Backend.pgUrl(), Backend.pgUser(), 3);
 * BOUNCER.jdbcUrl();   // the same database, through PgBouncer
 * }</pre>
 */
public final class OwnPgBouncer implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]+).*");

    private final Path directory;
    private final int port;
    private final String database;
    private final Process process;
    private final Thread onExit;

    private OwnPgBouncer(Path directory, int port, String database, Process process) {
        this.directory = directory;
        this.port = port;
        this.database = database;
        this.process = process;
        this.onExit = new Thread(this::destroyQuietly, "own-pgbouncer-cleanup-" + port);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * Starts PgBouncer in transaction mode in front of the server of {@code serverUrl}
     * ({@code jdbc:postgresql://host:port/database}), with at most {@code serverSessions} server sessions
     * per database and user.
     */
    public static OwnPgBouncer inFrontOf(String serverUrl, String user, int serverSessions) {
        Matcher url = URL.matcher(serverUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("expected jdbc:postgresql://host[:port]/database, got " + serverUrl);
        }
        try {
            Path directory = Files.createTempDirectory("own-pgbouncer-");
            int port = ChildServer.freePort();
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("listen_addr", "127.0.0.1");
            settings.put("listen_port", Integer.toString(port));
            settings.put("unix_socket_dir", "");
            settings.put("auth_type", "trust");
            settings.put("auth_file", directory.resolve("userlist.txt").toString());
            settings.put("admin_users", user);
            settings.put("pool_mode", "transaction");
            settings.put("default_pool_size", Integer.toString(serverSessions));
            settings.put("server_round_robin", "1");
            settings.put("logfile", "");
            settings.put("pidfile", "");
            if ("root".equals(System.getProperty("user.name"))) {
                settings.put("user", "postgres"); // PgBouncer refuses to run as root
            }
            StringBuilder ini = new StringBuilder("[databases]\n* = host=").append(url.group(1))
                    .append(" port=").append(url.group(2) == null ? "5432" : url.group(2)).append("\n\n[pgbouncer]\n");
            settings.forEach((key, value) -> ini.append(key).append(" = ").append(value).append('\n'));
            Files.writeString(directory.resolve("pgbouncer.ini"), ini);
            Files.writeString(directory.resolve("userlist.txt"), "\"" + user + "\" \"\"\n");
            for (Path path : List.of(directory, directory.resolve("pgbouncer.ini"), directory.resolve("userlist.txt"))) {
                path.toFile().setReadable(true, false);
                path.toFile().setExecutable(true, false);
            }
            Process process = new ProcessBuilder(binary(), directory.resolve("pgbouncer.ini").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("pgbouncer.log").toFile()))
                    .start();
            OwnPgBouncer bouncer = new OwnPgBouncer(directory, port, url.group(3), process);
            bouncer.awaitListening();
            return bouncer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The server's database, through PgBouncer. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /**
     * {@code app} with its pool behind this PgBouncer ({@code finehero.db.pooler: pgbouncer-transaction})
     * and its migrations and LISTEN straight to the server; its own schema and Redis prefix as ever.
     */
    public FineHeroExtension configure(FineHeroExtension app) {
        return app.with("finehero.db.url", jdbcUrl())
                .with("finehero.db.pooler", "pgbouncer-transaction")
                .with("finehero.db.direct-url", Backend.pgUrl());
    }

    /** What PgBouncer logged so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(directory.resolve("pgbouncer.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void awaitListening() {
        long until = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("pgbouncer exited (" + process.exitValue() + "): " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        destroyQuietly();
        throw new IllegalStateException("pgbouncer did not listen on " + port + " within " + WAIT.toSeconds() + " s: " + log());
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
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    private static String binary() {
        for (String candidate : new ArrayList<>(List.of("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"))) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "pgbouncer";
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for pgbouncer", e);
        }
    }
}
