package com.finehero.server.platform.db;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The read replicas of {@code finehero.db.replicas}: a small pool each, a probe that tells which may
 * serve reads, and the choice of one for a read.
 *
 * <p>A probe thread asks, every {@code finehero.db.replica.probe-interval} and over connections of its
 * own outside the pools (a pool busy with reads is not a replica that is down), the primary for how far
 * it has flushed its WAL and each replica how far it has replayed. A replica's lag is the time since the
 * primary first had WAL the replica has not replayed (so an idle primary never makes a replica look
 * behind), known to within one interval. A replica that does not answer, is not in recovery (promoted,
 * or a mistaken URL) or lags past {@code finehero.db.replica.max-lag} serves nothing until a probe finds
 * it well again.
 *
 * <p>A read goes to a usable replica known to have replayed the caller's {@link Consistency#required()}
 * position; if none is known to, one is asked on the read's own connection first. Otherwise, and when
 * the replica fails under the read, the read is the primary's ({@link #NOT_SERVED}).
 */
final class Replicas implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Replicas.class.getName());

    /** What {@link #read} returns when the read must go to the primary instead. */
    static final Object NOT_SERVED = new Object();

    /** Where a read that tolerates a replica went, and why. */
    enum Route {
        /** A replica served it. */
        REPLICA("replica"),
        /** The primary: no replica was usable (down, lagging, not probed yet). */
        NO_USABLE_REPLICA("no-usable-replica"),
        /** The primary: no usable replica had replayed the caller's consistency token or its own write. */
        BEHIND_TOKEN("behind-token"),
        /** The primary: the replica failed under the read (gone, or the read conflicted with recovery). */
        REPLICA_FAILED("replica-failed"),
        /** The primary: work outside a call (tasks, sweeps) has no token to hold a replica to. */
        BACKGROUND("background");

        final String key;

        Route(String key) {
            this.key = key;
        }
    }

    /** How a replica stood at its last probe. */
    record State(boolean usable, String skippedBecause, long lagMillis, long lagBytes) {
        static final State UNPROBED = new State(false, "not-probed-yet", 0, 0);
    }

    static final class Replica {
        final String name;
        final String url;
        final HikariDataSource pool;
        final LongAdder reads = new LongAdder();
        /** The newest replay position seen, by the probe or a read's own check; it only grows. */
        private final java.util.concurrent.atomic.AtomicLong replayed = new java.util.concurrent.atomic.AtomicLong();
        volatile State state = State.UNPROBED;
        /** The probe's own connection; touched only by the probe thread. */
        private Connection probe;

        Replica(String name, String url, HikariDataSource pool) {
            this.name = name;
            this.url = url;
            this.pool = pool;
        }

        long replayed() {
            return replayed.get();
        }

        void replayedUpTo(long lsn) {
            replayed.accumulateAndGet(lsn, Math::max);
        }
    }

    private final DbConfig config;
    private final List<Replica> replicas;
    private final Map<Route, LongAdder> routes = new EnumMap<>(Route.class);
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService prober;
    /** (System.nanoTime(), primary flush LSN) per probe, oldest first; touched only by the probe thread. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private Connection primaryProbe;
    private volatile long primaryFlushed;

    Replicas(DbConfig config) {
        this.config = config;
        for (Route route : Route.values()) {
            routes.put(route, new LongAdder());
        }
        List<Replica> opened = new ArrayList<>();
        int index = 0;
        for (String url : config.replicas().urls()) {
            opened.add(new Replica(name(url), url, pool(config, url, index++)));
        }
        this.replicas = List.copyOf(opened);
        this.prober = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("finehero-db-replica-probe").factory());
        long every = config.replicas().probeInterval().toMillis();
        prober.scheduleWithFixedDelay(this::probeQuietly, 0, every, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, replicas.size() + " read replica(s): " + replicas.stream().map(r -> r.name).toList()
                + ", skipped past " + config.replicas().maxLag());
    }

    /** host:port/database, without user, password or parameters: safe for logs and metrics. */
    static String name(String url) {
        String rest = url.substring("jdbc:postgresql:".length());
        rest = rest.startsWith("//") ? rest.substring(2) : rest;
        int parameters = rest.indexOf('?');
        rest = parameters < 0 ? rest : rest.substring(0, parameters);
        int at = rest.lastIndexOf('@');
        return at < 0 ? rest : rest.substring(at + 1);
    }

    private static HikariDataSource pool(DbConfig config, String url, int index) {
        HikariConfig hikari = Database.settings(config, "finehero-db-replica-" + index, url, DbConfig.Pooler.NONE);
        hikari.setMinimumIdle(0);
        hikari.setMaximumPoolSize(config.replicas().poolMax());
        // a replica that is gone costs a read at most this long before the primary answers it (the probe
        // stops routing to it within an interval); the primary's pool timeout would stall the read instead
        hikari.setConnectionTimeout(Math.max(250, Math.min(1000, config.connectTimeout().toMillis())));
        // a replica down while FineHero starts is skipped, not a reason to refuse to start
        hikari.setInitializationFailTimeout(-1);
        return new HikariDataSource(hikari);
    }

    /**
     * Runs {@code work} on a usable replica that has replayed {@code required}; {@link #NOT_SERVED} when the
     * primary must answer instead. A statement's own failure (not the replica's) is thrown translated.
     */
    Object read(Database.TransactionWork<?> work, long required, Function<Connection, Connection> timed,
                Function<SQLException, RuntimeException> translate) {
        List<Replica> usable = new ArrayList<>(replicas.size());
        for (Replica replica : replicas) {
            if (replica.state.usable()) {
                usable.add(replica);
            }
        }
        if (usable.isEmpty()) {
            return routed(Route.NO_USABLE_REPLICA);
        }
        int start = Math.floorMod(next.getAndIncrement(), usable.size());
        Replica chosen = null;
        for (int i = 0; i < usable.size() && chosen == null; i++) {
            Replica candidate = usable.get((start + i) % usable.size());
            if (candidate.replayed() >= required) {
                chosen = candidate;
            }
        }
        // none known to have replayed it: ask one on the read's own connection rather than send every
        // read after a write to the primary until the next probe
        boolean check = chosen == null;
        if (check) {
            chosen = usable.get(start);
        }
        Connection raw;
        try {
            raw = chosen.pool.getConnection();
        } catch (SQLException e) {
            failed(chosen, e);
            return routed(Route.REPLICA_FAILED);
        }
        Connection connection = timed.apply(raw);
        try (connection) {
            try {
                if (check) {
                    long replayed = replayPosition(connection);
                    chosen.replayedUpTo(replayed);
                    if (replayed < required) {
                        connection.rollback();
                        return routed(Route.BEHIND_TOKEN);
                    }
                }
                Object result = work.run(connection);
                connection.commit();
                chosen.reads.increment();
                routed(Route.REPLICA);
                return result;
            } catch (Throwable failure) {
                try {
                    connection.rollback();
                } catch (SQLException e) {
                    failure.addSuppressed(e);
                }
                throw failure;
            }
        } catch (SQLException e) {
            if (io.grpc.Context.current().isCancelled()) {
                throw translate.apply(e);
            }
            String state = e.getSQLState();
            if (Database.isConnectionFailure(state) || e instanceof java.sql.SQLTransientConnectionException) {
                failed(chosen, e);
                return routed(Route.REPLICA_FAILED);
            }
            if ("40001".equals(state) || "40P01".equals(state)) {
                // canceled by a conflict with recovery (the replica replayed a change the read's snapshot needed)
                LOG.log(Level.DEBUG, "read on replica " + chosen.name + " conflicted with recovery, answered by the primary");
                return routed(Route.REPLICA_FAILED);
            }
            throw translate.apply(e);
        }
    }

    private Object routed(Route route) {
        routes.get(route).increment();
        return NOT_SERVED;
    }

    void countBackground() {
        routes.get(Route.BACKGROUND).increment();
    }

    /** Marks a replica that failed under a read unusable until the probe finds it answering again. */
    private void failed(Replica replica, SQLException e) {
        State was = replica.state;
        replica.state = new State(false, "down", was.lagMillis(), was.lagBytes());
        if (was.usable()) {
            LOG.log(Level.WARNING, "read replica " + replica.name + " failed, reads go elsewhere until it answers again: " + e.getMessage());
        }
    }

    /**
     * The primary's position after the transaction that just committed on {@code connection}, for the
     * caller's token: {@code pg_current_wal_insert_lsn()}, read after the commit. The insert position is
     * never behind the commit record, whatever {@code synchronous_commit} says (the write and flush
     * positions can be, when commits do not wait for the flush); it may be a little ahead, by other
     * sessions' records, which only keeps such a caller on the primary a moment longer.
     */
    static long commitPosition(Connection connection) throws SQLException {
        // auto-commit for this one statement: no transaction opened after the commit, so none to end
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            row.next();
            return Consistency.parse(row.getString(1));
        } finally {
            connection.setAutoCommit(false);
        }
    }

    private static long replayPosition(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_last_wal_replay_lsn()::text")) {
            row.next();
            String lsn = row.getString(1);
            return lsn == null ? 0 : Consistency.parse(lsn);
        }
    }

    private void probeQuietly() {
        try {
            probe();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "probing the read replicas failed: " + e);
        }
    }

    /** One probe round: the primary's flushed position, then each replica's replay position and lag. */
    void probe() {
        long now = System.nanoTime();
        try {
            primaryProbe = open(primaryProbe, config.sessionUrl());
            long flushed = position(primaryProbe, "SELECT pg_current_wal_flush_lsn()::text");
            primaryFlushed = flushed;
            if (samples.isEmpty() || samples.peekLast()[1] != flushed) {
                samples.addLast(new long[] {now, flushed});
            }
        } catch (SQLException e) {
            primaryProbe = closeQuietly(primaryProbe);
            LOG.log(Level.DEBUG, "replica probe could not read the primary's position: " + e.getMessage());
        }
        // keep the samples the lag bound can still need, and one older (the last change before them)
        long horizon = now - config.replicas().maxLag().toNanos() - 2 * config.replicas().probeInterval().toNanos();
        while (samples.size() > 1 && (samples.size() > 100_000 || iterateSecond()[0] < horizon)) {
            samples.removeFirst();
        }
        for (Replica replica : replicas) {
            replica.state = probe(replica, now);
        }
    }

    private long[] iterateSecond() {
        var iterator = samples.iterator();
        iterator.next();
        return iterator.next();
    }

    private State probe(Replica replica, long now) {
        boolean recovering;
        long replayed;
        try {
            replica.probe = open(replica.probe, replica.url);
            try (Statement statement = replica.probe.createStatement();
                 ResultSet row = statement.executeQuery("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")) {
                row.next();
                recovering = row.getBoolean(1);
                String lsn = row.getString(2);
                replayed = lsn == null ? -1 : Consistency.parse(lsn);
            }
        } catch (SQLException e) {
            replica.probe = closeQuietly(replica.probe);
            return change(replica, new State(false, "down", 0, 0), e.getMessage());
        }
        if (!recovering || replayed < 0) {
            return change(replica, new State(false, "not-a-replica", 0, 0), "pg_is_in_recovery() is false");
        }
        replica.replayedUpTo(replayed);
        long lagBytes = Math.max(0, primaryFlushed - replayed);
        long lagNanos = 0;
        for (long[] sample : samples) {
            if (sample[1] > replayed) {
                lagNanos = now - sample[0];
                break;
            }
        }
        long lagMillis = TimeUnit.NANOSECONDS.toMillis(lagNanos);
        boolean lagging = lagNanos > config.replicas().maxLag().toNanos();
        return change(replica, new State(!lagging, lagging ? "lagging" : "", lagMillis, lagBytes),
                lagging ? lagMillis + " ms behind the primary" : "");
    }

    private static State change(Replica replica, State next, String why) {
        State was = replica.state;
        if (was.usable() && !next.usable()) {
            LOG.log(Level.WARNING, "read replica " + replica.name + " skipped (" + next.skippedBecause() + "): " + why);
        } else if (!was.usable() && next.usable()) {
            LOG.log(Level.INFO, "read replica " + replica.name + " serving reads, " + next.lagMillis() + " ms behind");
        }
        return next;
    }

    private Connection open(Connection current, String url) throws SQLException {
        if (current != null && !current.isClosed()) {
            return current;
        }
        Properties properties = new Properties();
        properties.setProperty("user", config.user());
        properties.setProperty("password", config.password());
        properties.setProperty("connectTimeout", "2");
        properties.setProperty("socketTimeout", "5");
        properties.setProperty("ApplicationName", "finehero-replica-probe");
        Connection connection = DriverManager.getConnection(url, properties);
        connection.setAutoCommit(true);
        return connection;
    }

    private static long position(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return Consistency.parse(row.getString(1));
        }
    }

    private static Connection closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // it is being replaced because it failed
            }
        }
        return null;
    }

    List<Database.ReplicaStats> stats() {
        return replicas.stream().map(r -> new Database.ReplicaStats(r.name, r.state.usable(), r.state.skippedBecause(),
                r.state.lagMillis(), r.state.lagBytes(), r.reads.sum())).toList();
    }

    Map<String, Long> routes() {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        routes.forEach((route, count) -> counts.put(route.key, count.sum()));
        return counts;
    }

    @Override
    public void close() {
        prober.shutdownNow();
        try {
            prober.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        primaryProbe = closeQuietly(primaryProbe);
        for (Replica replica : replicas) {
            replica.probe = closeQuietly(replica.probe);
            replica.pool.close();
        }
    }
}
