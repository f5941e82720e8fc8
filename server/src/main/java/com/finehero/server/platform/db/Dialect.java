package com.finehero.server.platform.db;

/**
 * What differs between the databases FineHero runs on. The rest of the code asks these flags
 * instead of testing the database name, so each difference is declared in one place.
 */
public enum Dialect {
    /** Embedded default, in PostgreSQL compatibility mode. */
    H2(false),
    /** Production. */
    POSTGRESQL(true);

    private final boolean fullTextSearch;

    Dialect(boolean fullTextSearch) {
        this.fullTextSearch = fullTextSearch;
    }

    /** Whether the database ranks text with its own full-text engine (tsvector + GIN). */
    public boolean fullTextSearch() {
        return fullTextSearch;
    }

    /** Whether an exception means a unique constraint was violated. */
    public boolean isUniqueViolation(java.sql.SQLException e) {
        // 23505 is the SQL-standard state both PostgreSQL and H2 use for unique violations.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
