package com.finehero.server.platform.events;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import com.finehero.server.platform.db.Database;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * LISTENs on the outbox's channel on a connection of its own (outside the pool: a pooled connection
 * is lent out and reset, a LISTEN must stay), and wakes the feed for every notification. When the
 * connection breaks it reconnects with a growing pause and wakes the feed once connected again, so
 * the read that follows picks up whatever was committed in between.
 */
final class PgListener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PgListener.class.getName());
    private static final int WAIT_MILLIS = 500;

    private final Database db;
    private final String channel;
    private final Runnable wake;
    private volatile boolean closed;
    private volatile Connection connection;
    private Thread thread;

    PgListener(Database db, String channel, Runnable wake) {
        this.db = db;
        this.channel = channel;
        this.wake = wake;
    }

    void start() {
        thread = Thread.ofVirtual().name("finehero-event-listen").start(this::run);
    }

    private void run() {
        int failures = 0;
        while (!closed) {
            try (Connection listening = db.directConnection("event-listen")) {
                connection = listening;
                try (Statement statement = listening.createStatement()) {
                    statement.execute("LISTEN \"" + channel + "\"");
                }
                if (failures > 0) {
                    LOG.log(Level.INFO, "event feed listening again on " + channel);
                }
                failures = 0;
                wake.run(); // whatever committed while we were not listening
                PGConnection pg = listening.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
                    if (notifications != null && notifications.length > 0) {
                        wake.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (failures++ == 0) {
                    LOG.log(Level.WARNING, "event feed lost its LISTEN connection, reconnecting (catch-up reads continue): "
                            + e.getMessage());
                }
                try {
                    Thread.sleep(Math.min(5_000, 100L << Math.min(failures, 6)));
                } catch (InterruptedException interrupted) {
                    return;
                }
            } finally {
                connection = null;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            try {
                thread.join(WAIT_MILLIS * 4L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
