package com.finehero.server.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.security.AuditLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit log on a PostgreSQL that goes away: FineHero's pool reaches the shared PostgreSQL through
 * a TCP relay this test closes, so connections really fail. Events recorded meanwhile wait in the
 * spool file and reach the table once the relay is back, or when the next process starts.
 */
class AuditSpoolTest {

    private static final String SCHEMA = "audit_spool_test";

    @TempDir
    Path spoolDirectory;

    private final Relay relay = new Relay(5432);
    private Database database;

    @BeforeEach
    void openThroughTheRelay() throws Exception {
        execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        relay.open();
        database = Database.open(new DbConfig("jdbc:postgresql://127.0.0.1:" + relay.port() + "/test", "postgres", "", SCHEMA,
                0, 2, Duration.ofMillis(250), Duration.ofSeconds(5), new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1))));
    }

    @AfterEach
    void dropSchema() throws Exception {
        database.close();
        relay.close();
        execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
    }

    @Test
    void eventsRecordedWhileTheDatabaseIsDownAreWrittenWhenItReturns() throws Exception {
        String run = UUID.randomUUID().toString();
        try (AuditLog audit = new AuditLog(new JdbcAuditStore(database), spooling(1), Clock.systemUTC())) {
            relay.close();
            for (int i = 0; i < 3; i++) {
                record(audit, run + "-" + i);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> audit.spooledBytes() > 0 && stored(run) == 0);
            assertThat(audit.dropped()).isZero();

            relay.open();
            await().atMost(Duration.ofSeconds(20)).until(() -> stored(run) == 3);
            assertThat(audit.spooledBytes()).isZero();
        }
    }

    @Test
    void aSpoolLeftByAProcessThatDiedIsWrittenAtTheNextStart() throws Exception {
        String run = UUID.randomUUID().toString();
        relay.close();
        try (AuditLog audit = new AuditLog(new JdbcAuditStore(database), spooling(1), Clock.systemUTC())) {
            record(audit, run + "-0");
            record(audit, run + "-1");
            await().atMost(Duration.ofSeconds(20)).until(() -> audit.spooledBytes() > 0);
        }
        Path file;
        try (Stream<Path> files = Files.list(spoolDirectory)) {
            file = files.filter(f -> Files.isRegularFile(f)).findFirst().orElseThrow();
        }
        // the process died while appending its next batch: a torn frame at the end
        Files.write(file, new byte[] {0, 0, 1, 0, 7, 7, 7}, StandardOpenOption.APPEND);

        relay.open();
        try (AuditLog next = new AuditLog(new JdbcAuditStore(database), spooling(1), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> stored(run) == 2);
            assertThat(next.spooledBytes()).isZero();
        }
    }

    @Test
    void aFullSpoolRefusesFurtherChanges() throws Exception {
        relay.close();
        try (AuditLog audit = new AuditLog(new JdbcAuditStore(database), new AuditLog.Spooling(spoolDirectory, 64 * 1024),
                Clock.systemUTC())) {
            assertThat(audit.admits()).isTrue();
            String run = UUID.randomUUID().toString();
            for (int i = 0; i < 2000 && audit.admits(); i++) {
                record(audit, run + "-" + i);
                if (i % 10 == 9) {
                    audit.flush(); // into the spool, a batch at a time, as a steady trickle of calls would
                }
            }
            assertThat(audit.admits()).isFalse();
            assertThat(audit.dropped()).as("events of calls admitted before the spool filled").isZero();

            relay.open();
            await().atMost(Duration.ofSeconds(20)).until(audit::admits);
        }
    }

    private AuditLog.Spooling spooling(int megabytes) {
        return new AuditLog.Spooling(spoolDirectory, megabytes * 1024L * 1024L);
    }

    private static void record(AuditLog audit, String requestId) {
        audit.record("user-1", "alice", "jwt", "finehero.fines.v1.FinesService/UpdateFine", "fine-1", "127.0.0.1", "grpc",
                "OK", requestId);
    }

    /** Counted straight from PostgreSQL, not through the relay. */
    private static int stored(String run) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + SCHEMA + ".audit_events WHERE request_id LIKE '"
                     + run + "-%'")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A TCP relay to a local port; closing it refuses new connections and cuts the open ones, as an outage does. */
    private static final class Relay implements AutoCloseable {
        private final int target;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private volatile ServerSocket server;
        private int port;

        Relay(int target) {
            this.target = target;
        }

        int port() {
            return port;
        }

        void open() throws IOException {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            port = socket.getLocalPort();
            server = socket;
            Thread.ofVirtual().start(() -> accept(socket));
        }

        private void accept(ServerSocket socket) {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    sockets.addAll(List.of(client, upstream));
                    Thread.ofVirtual().start(() -> pump(client, upstream));
                    Thread.ofVirtual().start(() -> pump(upstream, client));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the relay was closed or a side hung up
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }

        @Override
        public void close() {
            ServerSocket socket = server;
            if (socket != null) {
                closeQuietly(socket);
            }
            sockets.forEach(AuditSpoolTest.Relay::closeQuietly);
            sockets.clear();
        }

        private static void closeQuietly(AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // already closed
            }
        }
    }
}
