package com.finehero.server.platform.db;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Context;
import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * The connection pool, the schema migrations and the one way FineHero code runs SQL: inside
 * {@link #inTransaction}, which commits on success and rolls back on any throwable, so no store
 * hand-rolls commit or rollback and nothing half-written survives a failure.
 *
 * <p>Faults are decided here too: a database that cannot be reached is {@code UNAVAILABLE} (and, once a
 * circuit breaker sees it is down, answered so at once instead of after the pool's timeout); a
 * serialization failure or deadlock is retried a few times, then {@code ABORTED}; a call whose deadline
 * (the gRPC {@link Context} of the calling thread) passes has its statement cancelled and is answered
 * {@code DEADLINE_EXCEEDED}.
 */
public final class Database implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Database.class.getName());

    private final DbConfig config;
    private final Dialect dialect;
    private final HikariDataSource pool;
    /** The health probe's own connection, outside the pool. */
    private final OwnConnection probeConnection;
    private final SlowQueries slowQueries;
    private final CircuitBreaker breaker;
    /** Done once the pending migrations are applied; failed with the reason they could not be. */
    private final CompletableFuture<Void> schema;
    /** Set once {@link #schema} completed normally: the fast path of {@link #awaitSchema}. */
    private volatile boolean schemaCurrent;
    /** Per thread, the after-commit actions of each transaction it is running, innermost first. */
    private final ThreadLocal<java.util.ArrayDeque<List<Runnable>>> commitActions =
            ThreadLocal.withInitial(java.util.ArrayDeque::new);
    /** The health probe still waiting for a connection, if any; a new probe waits on it, never starts another. */
    private CompletableFuture<Duration> probe;
    // set by a failed probe, cleared by a successful one: while set, no call tries the database, not even
    // as the breaker's half-open trial (that trial would wait out the pool's timeout against a database
    // the probe already knows is down)
    private volatile boolean probeFailed;
    private final java.util.Set<Thread> waitingForConnection = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The read replicas; null without {@code finehero.db.replicas}. */
    private final Replicas replicas;

    private Database(DbConfig config, Dialect dialect, HikariDataSource pool, SlowQueries slowQueries,
                     CompletableFuture<Void> schema) {
        this.config = config;
        this.schema = schema;
        this.replicas = config.replicas().enabled() ? new Replicas(config) : null;
        this.dialect = dialect;
        this.pool = pool;
        this.slowQueries = slowQueries;
        this.probeConnection = new OwnConnection("health-probe", () -> outsideThePool("health-probe", Reach.AS_CALLS));
        DbConfig.Faults faults = config.faults();
        this.breaker = CircuitBreaker.builder()
                .name("finehero-db")
                .volume(faults.breakerVolume())
                .errorRatio(faults.breakerRatio())
                .delay(faults.breakerDelay())
                .successThreshold(1)
                // only "could not reach the database" counts; a constraint violation says it is up
                .addApplyOn(FineHeroException.Unavailable.class)
                .build();
    }

    /** Opens the pool and applies pending migrations; fails if the database cannot be reached. */
    public static Database open(DbConfig config) {
        return open(config, java.time.Clock.systemUTC());
    }

    public static Database open(DbConfig config, java.time.Clock clock) {
        Objects.requireNonNull(config, "config");
        HikariDataSource pool = pool(config);
        try {
            migrateAndLog(pool, config);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(config, config.dialect(), pool, new SlowQueries(config.slowQuery(), 200, clock),
                CompletableFuture.completedFuture(null));
    }

    /**
     * Opens the pool (failing if the database cannot be reached) and applies pending migrations on a
     * thread of their own, so that a start wires everything else meanwhile. Every connection, pooled or
     * not, waits for them first, and fails as they did if they failed; {@link #awaitSchema} waits for them
     * alone. Closing waits for them too: a migration cut off half-way leaves H2 a schema no start accepts.
     */
    public static Database openMigrating(DbConfig config, java.time.Clock clock) {
        Objects.requireNonNull(config, "config");
        HikariDataSource pool = pool(config);
        // a platform thread, not a daemon: the JVM does not exit in the middle of a migration
        CompletableFuture<Void> schema = CompletableFuture.runAsync(() -> migrateAndLog(pool, config),
                migration -> Thread.ofPlatform().name("finehero-db-migrate").start(migration));
        return new Database(config, config.dialect(), pool, new SlowQueries(config.slowQuery(), 200, clock), schema);
    }

    private static void migrateAndLog(HikariDataSource pool, DbConfig config) {
        int applied = migrate(pool, config);
        LOG.log(Level.INFO, "database " + config.dialect() + " ready, " + applied + " migration(s) applied"
                + (config.pooler() == DbConfig.Pooler.NONE ? "" : ", pool behind " + config.pooler().key()));
    }

    /** Returns once the pending migrations are applied; throws what made them fail, if they did. */
    public void awaitSchema() {
        if (schemaCurrent) {
            return;
        }
        try {
            schema.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
        schemaCurrent = true;
    }

    /**
     * Migrates through the pool, or, when a pooler stands in front, on a connection straight to the
     * server: Flyway keeps session state (its search_path, an advisory lock) that a transaction pooler
     * would hand to another client between two statements.
     */
    private static int migrate(HikariDataSource pool, DbConfig config) {
        if (config.directUrl().isEmpty()) {
            return migrations(pool, config).load().migrate().migrationsExecuted;
        }
        HikariConfig direct = settings(config, "finehero-db-migrate", config.directUrl(), DbConfig.Pooler.NONE);
        direct.setMinimumIdle(0);
        direct.setMaximumPoolSize(2); // Flyway holds its schema history's connection while it migrates on another
        try (HikariDataSource migrating = new HikariDataSource(direct)) {
            return migrations(migrating, config).load().migrate().migrationsExecuted;
        }
    }

    static HikariDataSource pool(DbConfig config) {
        return new HikariDataSource(settings(config, "finehero-db", jdbcUrl(config), config.pooler()));
    }

    static HikariConfig settings(DbConfig config, String name, String url, DbConfig.Pooler pooler) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(name);
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMinimumIdle(config.poolMin());
        hikari.setMaximumPoolSize(config.poolMax());
        hikari.setConnectionTimeout(Math.max(250, config.connectTimeout().toMillis()));
        hikari.setAutoCommit(false);
        switch (pooler) {
            case NONE -> {
                if (!config.schema().isEmpty()) {
                    config.dialect().useSchema(hikari, config.schema());
                }
            }
            case PGBOUNCER_TRANSACTION -> {
                // pgjdbc names a statement on the server after its fifth use and then only refers to it; the
                // next transaction may be another server session that never saw it ("prepared statement
                // S_1 does not exist"). 0 keeps every statement unnamed. A prepareThreshold in the URL wins
                // (PgBouncer 1.21+ with max_prepared_statements tracks named statements itself).
                hikari.addDataSourceProperty("prepareThreshold", "0");
                // no currentSchema: PgBouncer refuses a search_path startup parameter, and a server
                // session's setting would not follow the client anyway; connect() sets it per transaction
            }
        }
        return hikari;
    }

    /** The configured URL with what the dialect needs of its connections ({@link Dialect#connectionUrl}). */
    static String jdbcUrl(DbConfig config) {
        return config.dialect().connectionUrl(config.url());
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

    /**
     * Work that commits or rolls back together with the change a call makes. The audit record of a
     * state-changing call joins this way, so a change that was acknowledged never lacks its record. It is
     * set on the call's gRPC {@link Context} ({@link #COMMIT_PARTICIPANT}); {@link #inTransaction} runs it
     * on the change's connection just before committing, {@link #read} never does.
     */
    public interface CommitParticipant {
        /** Writes on {@code connection}, inside the transaction about to commit; may do nothing. */
        void beforeCommit(Connection connection) throws SQLException;

        /** The transaction {@link #beforeCommit} last wrote in has committed. */
        void committed();
    }

    /** Where a call carries its {@link CommitParticipant}. */
    public static final Context.Key<CommitParticipant> COMMIT_PARTICIPANT = Context.key("finehero-commit-participant");

    /** Work done with one connection inside one transaction. */
    @FunctionalInterface
    public interface TransactionWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction: commit on success, rollback on any throwable. A serialization
     * failure or deadlock reruns the whole work up to {@code finehero.db.retries} more times (so the work
     * must not have effects outside the transaction), then fails ABORTED.
     */
    public <T> T inTransaction(TransactionWork<T> work) {
        return run(work, COMMIT_PARTICIPANT.get());
    }

    private <T> T run(TransactionWork<T> work, CommitParticipant participant) {
        Objects.requireNonNull(work, "work");
        for (int attempt = 0; ; attempt++) {
            checkDeadline();
            if (probeFailed) {
                throw unavailable();
            }
            try {
                return breaker.invoke(() -> attempt(work, participant));
            } catch (CircuitBreakerOpenException open) {
                throw unavailable();
            } catch (RetryableConflict conflict) {
                if (attempt >= config.faults().retries()) {
                    LOG.log(Level.DEBUG, "transaction conflict after " + (attempt + 1) + " attempt(s): " + conflict.getMessage());
                    throw new FineHeroException.Aborted("TRANSACTION_CONFLICT",
                            "a concurrent change conflicted with this one; retry");
                }
                backOff(attempt);
            }
        }
    }

    private <T> T attempt(TransactionWork<T> work, CommitParticipant participant) {
        List<Runnable> committed = new java.util.ArrayList<>(0);
        java.util.ArrayDeque<List<Runnable>> open = commitActions.get();
        open.push(committed);
        T result;
        try {
            Connection connection = connect();
            try (connection) {
                try {
                    result = work.run(connection);
                    if (participant != null) {
                        participant.beforeCommit(connection);
                    }
                    connection.commit();
                    if (participant != null) {
                        participant.committed();
                    }
                    notePosition(connection);
                } catch (Throwable failure) {
                    rollbackQuietly(connection, failure);
                    throw failure;
                }
            } catch (SQLException e) {
                throw translate(e);
            }
        } finally {
            open.pop();
        }
        for (Runnable action : committed) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "an after-commit action failed: " + e);
            }
        }
        return result;
    }

    /** Jittered, growing pause before retrying a conflict, so the conflicting transactions do not meet again. */
    private static void backOff(int attempt) {
        long millis = ThreadLocalRandom.current().nextLong(5, 20L << attempt);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineHeroException.Aborted("TRANSACTION_CONFLICT", "interrupted while retrying a conflicting change");
        }
    }

    /**
     * Runs {@code action} once the transaction this thread is running commits; dropped if it rolls back
     * (a retried attempt registers its own). Outside a transaction it runs at once. For signals that must
     * not be seen before the change they announce is visible (the event feed's local wake-up).
     */
    public void afterCommit(Runnable action) {
        Objects.requireNonNull(action, "action");
        java.util.ArrayDeque<List<Runnable>> open = commitActions.get();
        if (open.isEmpty()) {
            action.run();
        } else {
            open.peek().add(action);
        }
    }

    /**
     * A new connection outside the pool, to the database server itself, for a session that must stay
     * open and belong to one purpose (the event feed's LISTEN). The caller closes it.
     */
    public Connection directConnection(String purpose) throws SQLException {
        return outsideThePool(purpose, Reach.SERVER_ITSELF);
    }

    /**
     * A connection of {@code purpose}'s own outside the pool, to the database server itself, opened on
     * first use: for work that must not wait behind calls queueing for a pooled connection.
     */
    public OwnConnection ownConnection(String purpose) {
        return new OwnConnection(purpose, () -> outsideThePool(purpose, Reach.SERVER_ITSELF));
    }

    /** Where a connection outside the pool goes. */
    private enum Reach {
        /** Where the pool's connections go (through a pooler when one is declared): what calls would see. */
        AS_CALLS,
        /**
         * PostgreSQL itself ({@code finehero.db.direct-url} when set): a transaction pooler would move a
         * session's LISTEN elsewhere, and it refuses the schema as a startup parameter.
         */
        SERVER_ITSELF
    }

    /**
     * Every connection FineHero opens outside the pool: auto-commit on, in FineHero's schema, named after
     * its purpose in {@code pg_stat_activity}, and with connect and socket timeouts so that a database
     * that does not answer at all fails the work instead of hanging it.
     */
    private Connection outsideThePool(String purpose, Reach reach) throws SQLException {
        awaitSchema();
        boolean server = reach == Reach.SERVER_ITSELF && !config.directUrl().isEmpty();
        String url = server ? config.directUrl() : jdbcUrl(config);
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", config.user());
        properties.setProperty("password", config.password());
        boolean throughPooler = !server && config.pooler() == DbConfig.Pooler.PGBOUNCER_TRANSACTION;
        if (dialect instanceof Dialect.PostgreSql) {
            properties.setProperty("connectTimeout", "2"); // seconds
            properties.setProperty("socketTimeout", "10");
            properties.setProperty("ApplicationName", "finehero-" + purpose);
            if (!config.schema().isEmpty() && !throughPooler) {
                properties.setProperty("currentSchema", config.schema());
            }
            if (throughPooler) {
                properties.setProperty("prepareThreshold", "0");
            }
        }
        Connection connection = java.sql.DriverManager.getConnection(url, properties);
        try {
            connection.setAutoCommit(true);
            if (dialect instanceof Dialect.H2 && !config.schema().isEmpty()) {
                connection.setSchema(config.schema());
            }
            return connection;
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    /** Where an embedded database keeps its files; empty when it keeps none of its own (in memory, remote, PostgreSQL). */
    public java.util.Optional<java.nio.file.Path> embeddedFiles() {
        return config.embeddedFiles();
    }

    /** The schema FineHero's tables are in; empty: the connection's default. */
    public String schema() {
        return config.schema();
    }

    /** A call whose deadline has passed, or whose client has gone, starts no more database work. */
    private static void checkDeadline() {
        Context context = Context.current();
        if (context.isCancelled()) {
            throw deadlineExceeded(context);
        }
    }

    private static FineHeroException deadlineExceeded(Context context) {
        if (context.getDeadline() != null && context.getDeadline().isExpired()) {
            return new FineHeroException.DeadlineExceeded("DEADLINE_EXCEEDED",
                    "the call's deadline passed before the database answered");
        }
        return new FineHeroException.DeadlineExceeded("CALL_CANCELLED", "the caller cancelled the call");
    }

    /**
     * Runs a read-only query on the primary; same failure handling as {@link #inTransaction}, and no
     * {@link CommitParticipant}. For reads that must see the newest committed state: a read a write
     * depends on, a read that fills a cache shared by every caller, access checks.
     */
    public <T> T read(TransactionWork<T> work) {
        return run(work, null);
    }

    /**
     * Runs a read-only query that a read replica may answer ({@code finehero.db.replicas}): one that is
     * usable and has replayed the calling call's {@link Consistency#required()} position, so the caller
     * still sees its own writes; otherwise, and when the replica fails under it, the primary answers as
     * {@link #read} would. Without replicas, or outside a call, it is {@link #read}.
     */
    @SuppressWarnings("unchecked")
    public <T> T readReplica(TransactionWork<T> work) {
        Objects.requireNonNull(work, "work");
        if (replicas == null) {
            return read(work);
        }
        Consistency consistency = Consistency.KEY.get();
        if (consistency == null) {
            replicas.countBackground();
            return read(work);
        }
        checkDeadline();
        awaitSchema();
        Object served = replicas.read(work, consistency.required(),
                connection -> TimedConnections.wrap(connection, slowQueries), this::translate);
        return served == Replicas.NOT_SERVED ? read(work) : (T) served;
    }

    /** True when {@code finehero.db.replicas} names replicas: writes then hand their callers a {@link Consistency} token. */
    public boolean hasReplicas() {
        return replicas != null;
    }

    /** Each replica as its last probe found it; empty without replicas. */
    public List<ReplicaStats> replicaStats() {
        return replicas == null ? List.of() : replicas.stats();
    }

    /** Reads that tolerate a replica since start, by where they went ("replica", or why the primary). */
    public java.util.Map<String, Long> readRoutes() {
        return replicas == null ? java.util.Map.of() : replicas.routes();
    }

    /**
     * A replica as its last probe found it: whether reads may go to it, why not, how far behind the
     * primary (time since the primary first had WAL it has not replayed; bytes of flushed WAL), reads served.
     */
    public record ReplicaStats(String name, boolean usable, String skippedBecause, long lagMillis, long lagBytes, long reads) { }

    /**
     * After a commit, with replicas, the primary's position goes to the call's {@link Consistency}, so its
     * answer carries it as the caller's token and its own later reads wait for a replica that has it. If
     * it cannot be read the change still stands; the call's reads then stay on the primary.
     */
    private void notePosition(Connection connection) {
        Consistency consistency = replicas == null ? null : Consistency.KEY.get();
        if (consistency == null) {
            return;
        }
        try {
            consistency.wrote(Replicas.commitPosition(connection));
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.DEBUG, "the primary's position after a commit could not be read: " + e);
            consistency.wroteAtUnknownPosition();
        }
    }

    /**
     * Asks the database whether it answers, over a connection of the probe's own outside the pool, and
     * returns how long that took. Outside the pool, because a pool whose every connection is busy is a
     * busy database, not a missing one: a probe that queued for a pooled connection behind a burst of
     * writes timed out, opened the breaker and refused calls the database would have served.
     */
    public Duration ping() throws SQLException {
        long start = System.nanoTime();
        try {
            probeConnection.use(connection -> {
                if (!connection.isValid(2)) {
                    throw new SQLException("connection is not valid");
                }
                return null;
            });
        } catch (DatabaseException e) {
            throw e.sqlException();
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * The health probe: a {@link #ping} that gives up after {@code timeout} (the pool itself waits
     * {@code finehero.db.pool.timeout} for a connection), and that opens the circuit breaker when the
     * database cannot be reached and closes it when it answers again, so calls stop and resume waiting
     * for the database within one probe interval even when there is no traffic to tell.
     */
    public Duration probe(Duration timeout) throws SQLException {
        // migrations still running are not an unreachable database: the timed ping starts after them
        try {
            awaitSchema();
        } catch (RuntimeException e) {
            throw new SQLException("the schema could not be migrated: " + e.getMessage(), e);
        }
        CompletableFuture<Duration> running;
        synchronized (this) {
            if (probe == null || probe.isDone()) {
                probe = CompletableFuture.supplyAsync(() -> {
                    try {
                        return ping();
                    } catch (SQLException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, command -> Thread.ofVirtual().name("finehero-db-probe").start(command));
            }
            running = probe;
        }
        try {
            Duration latency = running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            probeFailed = false;
            if (breaker.state() != CircuitBreaker.State.CLOSED) {
                LOG.log(Level.INFO, "database reachable again");
                breaker.state(CircuitBreaker.State.CLOSED);
            }
            return latency;
        } catch (TimeoutException | ExecutionException e) {
            boolean alreadyFailed = probeFailed;
            probeFailed = true;
            if (!alreadyFailed) {
                wakeConnectionWaiters();
            }
            if (breaker.state() != CircuitBreaker.State.OPEN) {
                if (!alreadyFailed) {
                    LOG.log(Level.WARNING, "database unreachable, answering UNAVAILABLE until it returns: "
                            + (e instanceof TimeoutException ? "no connection within " + timeout.toMillis() + " ms" : e.getCause().getMessage()));
                }
                breaker.state(CircuitBreaker.State.OPEN);
            }
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new SQLTimeoutException("no connection within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while probing the database", e);
        }
    }

    /** True while the circuit breaker answers calls UNAVAILABLE without trying the database. */
    public boolean knownDown() {
        return probeFailed || breaker.state() == CircuitBreaker.State.OPEN;
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
        awaitSchema();
        Thread me = Thread.currentThread();
        waitingForConnection.add(me);
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException e) {
            throw probeFailed ? unavailable() : translate(e);
        } finally {
            synchronized (waitingForConnection) {
                waitingForConnection.remove(me);
            }
            if (probeFailed) {
                Thread.interrupted(); // the wake-up below, if it came after the connection was handed out
            }
        }
        Connection timed = TimedConnections.wrap(connection, slowQueries);
        if (config.pooler() == DbConfig.Pooler.PGBOUNCER_TRANSACTION && !config.schema().isEmpty()) {
            // the schema for this transaction only (SET LOCAL): the server session behind the pooler is
            // someone else's after the commit. Its first statement is also where the pooler assigns a server
            // session, so it runs under the call's deadline like any statement.
            try (java.sql.Statement statement = timed.createStatement()) {
                statement.execute("SET LOCAL search_path TO \"" + config.schema() + "\"");
            } catch (SQLException e) {
                rollbackQuietly(timed, e);
                closeQuietly(timed, e);
                throw translate(e);
            }
        }
        return timed;
    }

    private static void closeQuietly(Connection connection, Throwable cause) {
        try {
            connection.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Wakes the calls waiting for a pooled connection when the probe finds the database down: they
     * would wait out {@code finehero.db.pool.timeout} (and calls waiting for their result, such as a
     * cache load they joined, with them); woken, they are answered UNAVAILABLE at once.
     */
    private void wakeConnectionWaiters() {
        synchronized (waitingForConnection) {
            waitingForConnection.forEach(Thread::interrupt);
        }
    }

    private RuntimeException translate(SQLException e) {
        Context context = Context.current();
        if (context.isCancelled()) {
            // the statement was cancelled because the call's deadline passed or its client went away
            return deadlineExceeded(context);
        }
        String state = sqlState(e);
        if (e instanceof SQLTransientConnectionException || isConnectionFailure(state)) {
            LOG.log(Level.WARNING, "database unavailable: " + e.getMessage());
            return unavailable();
        }
        if ("40001".equals(state) || "40P01".equals(state)) {
            return new RetryableConflict(e);
        }
        return new DatabaseException(e);
    }

    private FineHeroException.Unavailable unavailable() {
        return new FineHeroException.Unavailable("DATABASE_UNAVAILABLE",
                "the database is unavailable; retry shortly", config.faults().breakerDelay());
    }

    /** The first SQLSTATE along the exception's chain (a driver may wrap the server's error). */
    private static String sqlState(SQLException e) {
        for (SQLException current = e; current != null; current = current.getNextException()) {
            if (current.getSQLState() != null) {
                return current.getSQLState();
            }
        }
        return e.getCause() instanceof SQLException cause ? cause.getSQLState() : null;
    }

    /**
     * Connection exceptions (08), the server shutting down or restarting (57P01 admin shutdown,
     * 57P02 crash shutdown, 57P03 cannot connect now) and insufficient resources (53, e.g. too many
     * connections): the database, not the statement, is the problem, and a later retry may succeed.
     */
    static boolean isConnectionFailure(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("53")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
    }

    /** A serialization failure or deadlock: the transaction may succeed if run again. */
    private static final class RetryableConflict extends RuntimeException {
        RetryableConflict(SQLException cause) {
            super(cause.getMessage(), cause, false, false);
        }
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
        try {
            schema.get(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException failedOrStuck) {
            // a failed migration left nothing running; a stuck one is cut off by closing the pool below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (replicas != null) {
            replicas.close();
        }
        probeConnection.close();
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
