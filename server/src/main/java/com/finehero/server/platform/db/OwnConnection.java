package com.finehero.server.platform.db;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

/**
 * One connection outside the pool, kept for one purpose whose work must never queue behind calls
 * waiting for a pooled connection: the event feed's reader (every watcher on the instance waits on
 * it) and its LISTEN session. A pool with every connection busy is a busy database, and the events its
 * callers commit must still go out. Opened on first use and again after any failure; auto-commit on,
 * so each statement sees what has committed. One user at a time: {@link #use} is serialised.
 */
public final class OwnConnection implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OwnConnection.class.getName());

    /** Opens the connection; {@link Database#ownConnection} knows the URL, schema and timeouts. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final String purpose;
    private final Opener opener;
    private Connection connection; // guarded by this
    private boolean closed; // guarded by this

    OwnConnection(String purpose, Opener opener) {
        this.purpose = Objects.requireNonNull(purpose, "purpose");
        this.opener = Objects.requireNonNull(opener, "opener");
    }

    /**
     * Runs {@code work} on the connection, opening it first if needed. A failure closes the connection
     * (the next use opens a new one) and is thrown as a {@link Database.DatabaseException}.
     */
    public synchronized <T> T use(Database.TransactionWork<T> work) {
        if (closed) {
            throw new IllegalStateException(purpose + "'s connection is closed");
        }
        try {
            if (connection == null || connection.isClosed()) {
                connection = opener.open();
            }
            return work.run(connection);
        } catch (SQLException e) {
            discard();
            throw new Database.DatabaseException(e);
        }
    }

    private void discard() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.DEBUG, "closing " + purpose + "'s connection failed: " + e);
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        discard();
    }

    @Override
    public String toString() {
        return purpose;
    }
}
