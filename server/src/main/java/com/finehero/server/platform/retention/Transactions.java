package com.finehero.server.platform.retention;

import java.sql.Connection;
import java.sql.SQLException;

/** One transaction on a connection that may be in auto-commit mode (the event feed's) or not (a pooled one). */
final class Transactions {

    @FunctionalInterface
    interface Work<T> {
        T run() throws SQLException;
    }

    private Transactions() {
    }

    static <T> T run(Connection connection, Work<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
