package com.finehero.server.platform.db;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Database settings ({@code finehero.db.*}; env {@code FINEHERO_DB_URL}, {@code FINEHERO_DB_USER}, ...).
 *
 * @param url            JDBC URL: {@code jdbc:h2:...} (embedded default) or {@code jdbc:postgresql:...}
 * @param schema         schema for FineHero's tables; empty means the connection's default
 * @param poolMin        connections kept open when idle
 * @param poolMax        most connections at once
 * @param connectTimeout how long a caller waits for a connection before UNAVAILABLE
 * @param slowQuery      statements slower than this are logged
 * @param faults         how database faults are retried and when calls stop waiting for the database
 * @param pooler         what stands between the pool and PostgreSQL: nothing, or PgBouncer in transaction mode
 * @param directUrl      JDBC URL of PostgreSQL itself, bypassing any pooler, for what needs a session of its own
 *                       (schema migrations, the event feed's LISTEN); empty: {@code url}
 * @param replicas       streaming replicas of PostgreSQL that reads tolerating them go to; none by default
 */
public record DbConfig(String url, String user, String password, String schema,
                       int poolMin, int poolMax, Duration connectTimeout, Duration slowQuery, Faults faults,
                       Pooler pooler, String directUrl, Replicas replicas) {

    /**
     * Read replicas ({@code finehero.db.replicas}, {@code finehero.db.replica.*}).
     *
     * @param urls          JDBC URLs of hot standbys of the primary, each reached directly (not through a
     *                      transaction pooler); empty: every read goes to the primary
     * @param maxLag        a replica further behind the primary than this is skipped until it catches up
     * @param probeInterval how often each replica's replay position (and the primary's) is probed
     * @param poolMax       connections each replica's own pool opens at most
     */
    public record Replicas(java.util.List<String> urls, Duration maxLag, Duration probeInterval, int poolMax) {
        public static final Replicas NONE = new Replicas(java.util.List.of(), Duration.ofSeconds(5), Duration.ofSeconds(1), 4);

        public Replicas {
            urls = java.util.List.copyOf(urls);
            Objects.requireNonNull(maxLag, "maxLag");
            Objects.requireNonNull(probeInterval, "probeInterval");
            for (String replica : urls) {
                if (!replica.startsWith("jdbc:postgresql:")) {
                    throw new IllegalArgumentException("configuration finehero.db.replicas has '" + replica
                            + "': expected jdbc:postgresql: URLs of streaming replicas, comma-separated (env var FINEHERO_DB_REPLICAS)");
                }
            }
            if (probeInterval.isZero() || probeInterval.isNegative()) {
                throw new IllegalArgumentException("configuration finehero.db.replica.probe-interval = " + probeInterval
                        + " is invalid: expected a positive duration (env var FINEHERO_DB_REPLICA_PROBE_dash_INTERVAL)");
            }
        }

        public boolean enabled() {
            return !urls.isEmpty();
        }

        static Replicas from(Config db) {
            return new Replicas(split(ConfigValues.string(db, "replicas")),
                    ConfigValues.duration(db.get("replica"), "max-lag"),
                    ConfigValues.duration(db.get("replica"), "probe-interval"),
                    ConfigValues.intInRange(db.get("replica"), "pool.max", 1, 100));
        }

        /** Comma-separated URLs; a comma inside a multi-host URL (host1:5432,host2:5432) does not split it. */
        static java.util.List<String> split(String raw) {
            return java.util.Arrays.stream(raw.split(",(?=\\s*jdbc:)")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
    }

    /**
     * What the pool's connections reach ({@code finehero.db.pooler}). Behind a transaction pooler one
     * client connection is a different server session in every transaction, so nothing may outlive a
     * transaction: no server-side prepared statement, no session {@code SET}, no LISTEN.
     */
    public enum Pooler {
        /** PostgreSQL itself, or a pooler in session mode (a client keeps its server session). */
        NONE,
        /** PgBouncer with {@code pool_mode = transaction}. */
        PGBOUNCER_TRANSACTION;

        /** The value as {@code finehero.db.pooler} spells it. */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Pooler of(String raw) {
            String wanted = raw.strip().toLowerCase(Locale.ROOT);
            for (Pooler pooler : values()) {
                if (pooler.key().equals(wanted) || (wanted.isEmpty() && pooler == NONE)) {
                    return pooler;
                }
            }
            throw new IllegalArgumentException("configuration finehero.db.pooler = '" + raw
                    + "' is invalid: expected none or pgbouncer-transaction (env var FINEHERO_DB_POOLER)");
        }
    }

    /**
     * @param retries        extra attempts of a transaction that failed on a serialization failure or deadlock
     * @param breakerVolume  calls the breaker looks at to decide the database is down
     * @param breakerRatio   percent of those that failed to reach the database, at which it opens
     * @param breakerDelay   how long it stays open (calls answered UNAVAILABLE at once) before trying again
     */
    public record Faults(int retries, int breakerVolume, int breakerRatio, Duration breakerDelay) {
        public Faults {
            Objects.requireNonNull(breakerDelay, "breakerDelay");
        }

        static Faults from(Config db) {
            return new Faults(
                    ConfigValues.intInRange(db, "retries", 0, 10),
                    ConfigValues.intInRange(db.get("breaker"), "volume", 1, 1000),
                    ConfigValues.intInRange(db.get("breaker"), "ratio", 1, 100),
                    ConfigValues.duration(db.get("breaker"), "delay"));
        }
    }

    public DbConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(pooler, "pooler");
        Objects.requireNonNull(directUrl, "directUrl");
        Objects.requireNonNull(replicas, "replicas");
        if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("configuration finehero.db.url = '" + url
                    + "' is invalid: expected a jdbc:h2: or jdbc:postgresql: URL (env var FINEHERO_DB_URL)");
        }
        Dialect.of(url).connectionUrl(url); // an H2 URL that sets what FineHero's SQL needs otherwise is refused here
        if (poolMin > poolMax) {
            throw new IllegalArgumentException("configuration finehero.db.pool.min (" + poolMin
                    + ") must not exceed finehero.db.pool.max (" + poolMax + ")");
        }
        if (!schema.isEmpty() && !schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("configuration finehero.db.schema = '" + schema
                    + "' is invalid: expected a lower-case SQL identifier (env var FINEHERO_DB_SCHEMA)");
        }
        if (!directUrl.isEmpty() && !directUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("configuration finehero.db.direct-url = '" + directUrl
                    + "' is invalid: expected a jdbc:postgresql: URL of the server behind the pooler, or empty (env var FINEHERO_DB_DIRECT_dash_URL)");
        }
        if (replicas.enabled() && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("configuration finehero.db.replicas is set, but finehero.db.url is an embedded "
                    + "database, which has no replicas: leave finehero.db.replicas empty or use jdbc:postgresql: (env var FINEHERO_DB_REPLICAS)");
        }
        if (pooler != Pooler.NONE) {
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("configuration finehero.db.pooler = '" + pooler.key()
                        + "' needs a jdbc:postgresql: finehero.db.url (the pooler's address); an embedded database has no pooler");
            }
            if (directUrl.isEmpty()) {
                throw new IllegalArgumentException("configuration finehero.db.direct-url is missing: with finehero.db.pooler = '"
                        + pooler.key() + "' migrations and the event feed's LISTEN need a session of their own, so expected "
                        + "a jdbc:postgresql: URL of PostgreSQL itself, not the pooler (env var FINEHERO_DB_DIRECT_dash_URL)");
            }
        }
    }

    /** Straight to the database at {@code url}, no pooler in between. */
    public DbConfig(String url, String user, String password, String schema,
                    int poolMin, int poolMax, Duration connectTimeout, Duration slowQuery, Faults faults) {
        this(url, user, password, schema, poolMin, poolMax, connectTimeout, slowQuery, faults, Pooler.NONE, "", Replicas.NONE);
    }

    /** Where migrations and sessions that must stay open connect: {@code directUrl}, or {@code url} without one. */
    public String sessionUrl() {
        return directUrl.isEmpty() ? url : directUrl;
    }

    public static DbConfig from(Config db) {
        return new DbConfig(
                ConfigValues.string(db, "url"),
                ConfigValues.string(db, "user"),
                ConfigValues.string(db, "password"),
                ConfigValues.string(db, "schema"),
                ConfigValues.intInRange(db, "pool.min", 0, 500),
                ConfigValues.intInRange(db, "pool.max", 1, 500),
                ConfigValues.duration(db, "pool.timeout"),
                ConfigValues.duration(db, "slow"),
                Faults.from(db),
                Pooler.of(ConfigValues.string(db, "pooler")),
                ConfigValues.string(db, "direct-url"),
                Replicas.from(db));
    }

    /**
     * Where an embedded H2 database keeps its files ({@code ./data/finehero} for {@code jdbc:h2:./data/finehero}; H2 adds
     * {@code .mv.db}); empty for an in-memory or remote (TCP) database and for PostgreSQL.
     */
    public Optional<Path> embeddedFiles() {
        if (!(dialect() instanceof Dialect.H2)) {
            return Optional.empty();
        }
        String name = url.substring("jdbc:h2:".length());
        int options = name.indexOf(';');
        name = options < 0 ? name : name.substring(0, options);
        if (name.startsWith("file:")) {
            name = name.substring("file:".length());
        } else if (name.matches("^[a-zA-Z]{2,}:.*")) {
            return Optional.empty(); // mem:, tcp:, ssl:, zip:, ...
        }
        if (name.startsWith("~")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        return Optional.of(Path.of(name));
    }

    public Dialect dialect() {
        return Dialect.of(url);
    }

    @Override
    public String toString() {
        // never print the password
        return "DbConfig[url=" + url + ", user=" + user + ", schema=" + schema + ", pool=" + poolMin + ".." + poolMax
                + (pooler == Pooler.NONE ? "" : ", pooler=" + pooler.key() + ", directUrl=" + directUrl)
                + (replicas.enabled() ? ", replicas=" + replicas.urls() : "") + "]";
    }
}
