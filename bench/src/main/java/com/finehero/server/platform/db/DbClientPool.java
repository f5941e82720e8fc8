package com.finehero.server.platform.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;

/**
 * What {@link Database} would hand Helidon's DB client if FineHero adopted it, for measuring only:
 * a second HikariCP pool built by {@link Database#pool}, the server's own pool set-up, each connection
 * timed into the same
 * {@link SlowQueries}, so the client pays what the plain-JDBC stores pay. Helidon's own HikariCP provider
 * is not needed: the client asks a {@link CloseableJdbcConnectionPool} for nothing but connections.
 */
public final class DbClientPool implements CloseableJdbcConnectionPool {

    private final HikariDataSource pool;
    private final SlowQueries slowQueries;
    private final String dbType;

    private DbClientPool(HikariDataSource pool, SlowQueries slowQueries, String dbType) {
        this.pool = pool;
        this.slowQueries = slowQueries;
        this.dbType = dbType;
    }

    /** A pool on an already migrated database ({@link Database#open} migrates). */
    public static DbClientPool open(DbConfig config, SlowQueries slowQueries) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(slowQueries, "slowQueries");
        // the server's own pool settings, so the client is measured on the same connections
        HikariDataSource pool = Database.pool(config);
        String dbType = config.dialect() instanceof Dialect.PostgreSql ? "jdbc:postgresql" : "jdbc:h2";
        return new DbClientPool(pool, slowQueries, dbType);
    }

    @Override
    public Connection connection() {
        try {
            return TimedConnections.wrap(pool.getConnection(), slowQueries);
        } catch (SQLException e) {
            throw new DbClientException("no connection from the pool", e);
        }
    }

    @Override
    public String dbType() {
        return dbType;
    }

    @Override
    public void close() {
        pool.close();
    }
}
