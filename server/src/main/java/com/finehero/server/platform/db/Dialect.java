package com.finehero.server.platform.db;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.zaxxer.hikari.HikariConfig;

/**
 * What differs between the databases FineHero runs on, chosen once from the JDBC URL ({@link #of}).
 * It carries only generic capabilities. A feature whose SQL differs by database picks its own
 * statement set once, when its store is built, with an exhaustive {@code switch} over the two
 * implementations; no store method asks which database it runs on, and a third dialect would not
 * compile until every feature had chosen its statements for it.
 */
public sealed interface Dialect permits Dialect.H2, Dialect.PostgreSql {

    /** The dialect of a {@code jdbc:postgresql:} URL, H2 otherwise (the URL is validated by {@link DbConfig}). */
    static Dialect of(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:postgresql:") ? new PostgreSql() : new H2();
    }

    /** {@code H2} or {@code POSTGRESQL}, as logs and health details show it. */
    String name();

    /** Whether several FineHero instances can share this database; an embedded one belongs to one process. */
    boolean shared();

    /** Flyway location of the migrations only this database runs, besides the shared {@code db/migration}. */
    String migrations();

    /** Makes every connection of the pool use {@code schema} for FineHero's tables. */
    void useSchema(HikariConfig pool, String schema);

    /**
     * The URL FineHero connects with, from the configured one: the settings its SQL needs added when the
     * URL leaves them out. Throws {@link IllegalArgumentException}, naming the setting, when the URL sets
     * one of them otherwise.
     */
    String connectionUrl(String configured);

    /** The calendar periods {@link #utcPeriodStart} truncates to. */
    enum Period { DAY, WEEK, MONTH }

    /**
     * An SQL expression for the start of the UTC day, ISO week (Monday) or month in which {@code column},
     * a {@code TIMESTAMP WITH TIME ZONE}, falls, as a {@code TIMESTAMP} without time zone read as UTC.
     * Both databases truncate with {@code DATE_TRUNC}, but they name the Monday-based week differently,
     * and PostgreSQL would otherwise truncate in the session's time zone.
     */
    String utcPeriodStart(Period period, String column);

    /** Whether an exception, or one of its causes, means a unique constraint was violated. */
    default boolean isUniqueViolation(SQLException e) {
        // 23505 is the SQL-standard state both PostgreSQL and H2 use for unique violations.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Embedded default, in PostgreSQL compatibility mode. */
    record H2() implements Dialect {

        @Override
        public String name() {
            return "H2";
        }

        @Override
        public boolean shared() {
            return false;
        }

        @Override
        public String migrations() {
            return "classpath:db/h2";
        }

        @Override
        public void useSchema(HikariConfig pool, String schema) {
            pool.setSchema(schema);
        }

        /**
         * What FineHero's SQL needs of H2, whose defaults differ: PostgreSQL's syntax ({@code ON CONFLICT},
         * {@code ::} casts), lower-case names as PostgreSQL folds them, and NULLs sorted last ascending.
         * DB_CLOSE_ON_EXIT=FALSE leaves closing to the pool: H2's own shutdown hook could close the
         * database before FineHero's shutdown has drained the calls still running (it may be set).
         */
        private static final List<Map.Entry<String, String>> REQUIRED = List.of(Map.entry("MODE", "PostgreSQL"),
                Map.entry("DATABASE_TO_LOWER", "TRUE"), Map.entry("DEFAULT_NULL_ORDERING", "HIGH"));

        @Override
        public String connectionUrl(String configured) {
            Map<String, String> given = new HashMap<>();
            String[] parts = configured.split(";");
            for (int i = 1; i < parts.length; i++) {
                int equals = parts[i].indexOf('=');
                if (equals > 0) {
                    given.put(parts[i].substring(0, equals).strip().toUpperCase(Locale.ROOT), parts[i].substring(equals + 1).strip());
                }
            }
            StringBuilder url = new StringBuilder(configured);
            for (Map.Entry<String, String> required : REQUIRED) {
                String setting = required.getKey();
                String needed = required.getValue();
                String value = given.get(setting);
                if (value == null) {
                    url.append(';').append(setting).append('=').append(needed);
                } else if (!value.equalsIgnoreCase(needed)) {
                    throw new IllegalArgumentException("configuration finehero.db.url sets " + setting + "=" + value
                            + ", but FineHero's SQL needs H2 with " + setting + "=" + needed
                            + ": leave it out and FineHero sets it (env var FINEHERO_DB_URL)");
                }
            }
            if (!given.containsKey("DB_CLOSE_ON_EXIT")) {
                url.append(";DB_CLOSE_ON_EXIT=FALSE");
            }
            return url.toString();
        }

        @Override
        public String utcPeriodStart(Period period, String column) {
            // H2's WEEK follows the JVM's locale; ISO_WEEK always starts on Monday, as PostgreSQL's week does
            String unit = switch (period) {
                case DAY -> "DAY";
                case WEEK -> "ISO_WEEK";
                case MONTH -> "MONTH";
            };
            return "CAST(DATE_TRUNC('" + unit + "', " + column + " AT TIME ZONE 'UTC') AS TIMESTAMP)";
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** Production. */
    record PostgreSql() implements Dialect {

        @Override
        public String name() {
            return "POSTGRESQL";
        }

        @Override
        public boolean shared() {
            return true;
        }

        @Override
        public String migrations() {
            return "classpath:db/postgresql";
        }

        @Override
        public void useSchema(HikariConfig pool, String schema) {
            // A startup parameter, not Hikari's setSchema: that runs SET search_path inside the new
            // connection's first transaction (auto-commit is off), and PostgreSQL undoes a SET when that
            // transaction rolls back (a health ping, a failed write), leaving the connection on "public".
            pool.addDataSourceProperty("currentSchema", schema);
        }

        @Override
        public String connectionUrl(String configured) {
            return configured;
        }

        @Override
        public String utcPeriodStart(Period period, String column) {
            // AT TIME ZONE 'UTC' turns the timestamptz into UTC wall-clock time, so the session's TimeZone
            // setting cannot move a bucket boundary
            return "date_trunc('" + period.name().toLowerCase(Locale.ROOT) + "', " + column + " AT TIME ZONE 'UTC')";
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
