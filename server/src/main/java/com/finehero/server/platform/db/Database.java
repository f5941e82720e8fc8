package com.finehero.server.platform.db;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

import com.finehero.server.platform.errors.FineHeroException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * The connection pool, the schema migrations and the one way FineHero code runs SQL: inside
 * {@link #inTransaction}, which commits on success and rolls back on any throwable, so no store
 * hand-rolls commit or rollback and nothing half-written survives a failure.
 */
public final class Database implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    private final DbConfig config;
    private final Dialect dialect;
    private final HikariDataSource pool;
    private final SlowQueries slowQueries;

    private Database(DbConfig config, Dialect dialect, HikariDataSource pool, SlowQueries slowQueries) {
        this.config = config;
        this.dialect = dialect;
        this.pool = pool;
        this.slowQueries = slowQueries;
    }

    /** Opens the pool and applies pending migrations; fails if the database cannot be reached. */
    public static Database open(DbConfig config) {
        return open(config, java.time.Clock.systemUTC());
    }

    public static Database open(DbConfig config, java.time.Clock clock) {
        Objects.requireNonNull(config, "config");
        HikariDataSource pool = pool(config);
        try {
            int applied = migrations(pool, config).load().migrate().migrationsExecuted;
            LOG.log(Level.INFO, "database " + config.dialect() + " ready, " + applied + " migration(s) applied");
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(config, config.dialect(), pool, new SlowQueries(config.slowQuery(), 200, clock));
    }

    static HikariDataSource pool(DbConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("finehero-db");
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMinimumIdle(config.poolMin());
        hikari.setMaximumPoolSize(config.poolMax());
        hikari.setConnectionTimeout(Math.max(250, config.connectTimeout().toMillis()));
        hikari.setAutoCommit(false);
        Dialect dialect = config.dialect();
        if (!config.schema().isEmpty()) {
            dialect.useSchema(hikari, config.schema());
        }
        return new HikariDataSource(hikari);
    }

    /**
     * The one Flyway setup: the shared migrations plus the dialect's own, into the configured schema.
     * Package-private so the upgrade test migrates exactly as {@link #open} does.
     */
    static FluentConfiguration migrations(DataSource dataSource, DbConfig config) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration", config.dialect().migrations())
                .schemas(config.schema().isEmpty() ? new String[0] : new String[] {config.schema()})
                .createSchemas(true);
    }

    /** Statements slower than {@code finehero.db.slow}. */
    public SlowQueries slowQueries() {
        return slowQueries;
    }

    /** The database this pool talks to, decided once when it opened. */
    public Dialect dialect() {
        return dialect;
    }

    /** Work done with one connection inside one transaction. */
    @FunctionalInterface
    public interface TransactionWork<T> {
        T run(Connection connection) throws SQLException;
    }

    public <T> T inTransaction(TransactionWork<T> work) {
        Connection connection = connect();
        try (connection) {
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (Throwable failure) {
                rollbackQuietly(connection, failure);
                throw failure;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Runs a read-only query; same failure handling as {@link #inTransaction}. */
    public <T> T read(TransactionWork<T> work) {
        return inTransaction(work);
    }

    /** Round-trips a trivial statement; used by health checks. Returns the latency. */
    public Duration ping() throws SQLException {
        long start = System.nanoTime();
        try (Connection connection = pool.getConnection()) {
            if (!connection.isValid(2)) {
                throw new SQLException("connection is not valid");
            }
            connection.rollback();
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Pool usage figures for health and metrics. */
    public PoolStats poolStats() {
        HikariPoolMXBean bean = pool.getHikariPoolMXBean();
        if (bean == null) {
            return new PoolStats(0, 0, 0, config.poolMax());
        }
        return new PoolStats(bean.getActiveConnections(), bean.getIdleConnections(),
                bean.getThreadsAwaitingConnection(), config.poolMax());
    }

    public record PoolStats(int active, int idle, int waiting, int max) { }

    private Connection connect() {
        try {
            return TimedConnections.wrap(pool.getConnection(), slowQueries);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    private RuntimeException translate(SQLException e) {
        if (e instanceof SQLTransientConnectionException || isConnectionFailure(e)) {
            LOG.log(Level.WARNING, "database unavailable: " + e.getMessage());
            return new FineHeroException.Unavailable("DATABASE_UNAVAILABLE",
                    "the database is unavailable; retry shortly", Duration.ofSeconds(1));
        }
        return new DatabaseException(e);
    }

    private static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("08");
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    /** An unexpected SQL failure; reaches clients only as INTERNAL with an error id. */
    public static final class DatabaseException extends RuntimeException {
        public DatabaseException(SQLException cause) {
            super(cause.getMessage(), cause);
        }

        public SQLException sqlException() {
            return (SQLException) getCause();
        }
    }
}
