package com.finehero.server.platform.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;

/**
 * What {@link Database} would hand Helidon's DB client if FineHero adopted it, for measuring only:
 * a HikariCP pool configured as {@link Database#open} configures its own (a copy, since Database keeps
 * its pool to itself; adopting would make Database the provider), each connection timed into the same
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
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("finehero-dbclient");
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMinimumIdle(config.poolMin());
        hikari.setMaximumPoolSize(config.poolMax());
        hikari.setConnectionTimeout(Math.max(250, config.connectTimeout().toMillis()));
        hikari.setAutoCommit(false);
        boolean postgres = config.url().startsWith("jdbc:postgresql:");
        if (!config.schema().isEmpty()) {
            // PostgreSQL's as a startup parameter, for the reason Database gives
            if (postgres) {
                hikari.addDataSourceProperty("currentSchema", config.schema());
            } else {
                hikari.setSchema(config.schema());
            }
        }
        return new DbClientPool(new HikariDataSource(hikari), slowQueries, postgres ? "jdbc:postgresql" : "jdbc:h2");
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
