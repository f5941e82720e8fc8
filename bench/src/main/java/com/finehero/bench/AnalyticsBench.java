package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.server.fines.FineStore;
import com.finehero.server.fines.Fines;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.security.JurisdictionScope;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * GetFineAnalytics' query on PostgreSQL at scale: generates fines in bulk SQL (seeded, so every run has
 * the same data) in its own schema, builds the daily rollup from them (timed), then runs typical analytics
 * queries through the server's JDBC fines store from a few concurrent callers, each query once from the
 * fines alone (live) and once as the RPC answers (rollup plus the fines of partial and changed days), and
 * records p50/p99 per query, mode and caller count, and whether both modes gave the same answer. The
 * store is what the RPC spends its time in; gRPC adds the same small cost as to any call with a few
 * hundred rows.
 *
 * <p>Usage: {@code AnalyticsBench url user schema fines seconds callers[,callers...] out.json}
 */
public final class AnalyticsBench {

    static final String[] JURISDICTIONS = {"US-CA-SF", "US-CA-SF-DOWNTOWN", "US-CA-SF-MISSION", "US-CA-LA", "US-CA-LA-HOLLYWOOD",
        "US-CA-SD", "US-CA-SJ", "US-NY-NYC", "US-NY-NYC-BROOKLYN", "US-NY-BUF", "US-TX-AUS", "US-TX-HOU", "US-WA-SEA",
        "US-IL-CHI", "US-MA-BOS", "NL-AMS", "NL-RTM", "DE-BER", "FR-PAR", "BE-BRU"};
    static final Instant FROM = Instant.parse("2025-01-01T00:00:00Z");
    static final Instant TO = Instant.parse("2027-01-01T00:00:00Z");

    private AnalyticsBench() {
    }

    /** One measured query: a name and what it asks. */
    record Query(String name, FineStore.AnalyticsQuery query) { }

    /** How a query is answered: from the fines alone, or as the RPC does (rollup where current). */
    enum Mode {
        LIVE, ROLLUP;

        List<com.finehero.api.fines.v1.FineAnalyticsRow> run(FineStore store, FineStore.AnalyticsQuery query) {
            return this == LIVE ? store.analyticsFromFines(query, 10_001) : store.analytics(query, 10_001);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String schema = args[2];
        int fines = Integer.parseInt(args[3]);
        Duration seconds = Duration.ofSeconds(Long.parseLong(args[4]));
        int[] callerCounts = Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
        Path out = Path.of(args[6]);
        // one connection more than callers: Flyway holds two while it migrates
        int pool = Arrays.stream(callerCounts).max().orElse(1) + 1;
        DbConfig config = new DbConfig(url, user, "", schema, pool, pool, Duration.ofSeconds(5), Duration.ofSeconds(30),
                new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1)));
        try (Database database = Database.open(config)) {
            long generateStart = System.nanoTime();
            generate(database, fines);
            double generateSeconds = (System.nanoTime() - generateStart) / 1e9;
            System.err.printf(Locale.ROOT, "%d fines generated in %.1f s%n", fines, generateSeconds);
            FineStore store = Fines.storeWithoutCache(database);
            long rollupStart = System.nanoTime();
            database.inTransaction(connection -> {
                try (Statement sql = connection.createStatement()) {
                    sql.execute("INSERT INTO fine_rollup_dirty (issue_day) SELECT DISTINCT CAST(issue_time AT TIME ZONE 'UTC' AS DATE) FROM fines");
                }
                return null;
            });
            int rolledDays = store.refreshAnalytics(Integer.MAX_VALUE);
            double rollupSeconds = (System.nanoTime() - rollupStart) / 1e9;
            long rollupRows = database.read(connection -> com.finehero.server.platform.db.Sql.one(connection,
                    "SELECT (SELECT COUNT(*) FROM fine_rollup_days) + (SELECT COUNT(*) FROM fine_rollup_days_by_status)"
                    + " + (SELECT COUNT(*) FROM fine_rollup_days_by_code)", List.of(),
                    row -> row.getLong(1)).orElseThrow());
            database.inTransaction(connection -> {
                try (Statement sql = connection.createStatement()) {
                    sql.execute("ANALYZE fine_rollup_days");
                    sql.execute("ANALYZE fine_rollup_days_by_status");
                    sql.execute("ANALYZE fine_rollup_days_by_code");
                    sql.execute("ANALYZE fine_rollup_dirty");
                }
                return null;
            });
            System.err.printf(Locale.ROOT, "rollup of %d days (%d rows) built in %.1f s%n", rolledDays, rollupRows, rollupSeconds);
            Instant yearStart = Instant.parse("2026-01-01T00:00:00Z");
            List<Query> queries = List.of(
                    new Query("year_by_month_by_jurisdiction", new FineStore.AnalyticsQuery(yearStart, TO, Dialect.Period.MONTH,
                            AnalyticsGroupBy.ANALYTICS_GROUP_BY_JURISDICTION, JurisdictionScope.NONE, JurisdictionScope.NONE)),
                    new Query("year_by_month_one_city", new FineStore.AnalyticsQuery(yearStart, TO, Dialect.Period.MONTH,
                            AnalyticsGroupBy.ANALYTICS_GROUP_BY_UNSPECIFIED, new JurisdictionScope("US-CA-SF"), JurisdictionScope.NONE)),
                    new Query("quarter_by_day_by_violation_code_one_state", new FineStore.AnalyticsQuery(
                            Instant.parse("2026-04-01T00:00:00Z"), Instant.parse("2026-07-01T00:00:00Z"), Dialect.Period.DAY,
                            AnalyticsGroupBy.ANALYTICS_GROUP_BY_VIOLATION_CODE, JurisdictionScope.NONE, new JurisdictionScope("US-CA"))));
            JsonObject result = new JsonObject();
            result.addProperty("benchmark", "analytics");
            result.addProperty("date", Instant.now().toString());
            result.addProperty("database", database.dialect().name());
            result.addProperty("fines", fines);
            result.addProperty("generate_seconds", Math.round(generateSeconds * 10) / 10.0);
            result.addProperty("rollup_days", rolledDays);
            result.addProperty("rollup_rows", rollupRows);
            result.addProperty("rollup_build_seconds", Math.round(rollupSeconds * 10) / 10.0);
            result.addProperty("compared", "each query from the fines alone (live: the one-statement answer before the rollup)"
                    + " and as GetFineAnalytics answers it (rollup: rollup rows of whole unchanged days, fines for the range's partial"
                    + " days), alternating per caller count in the same run");
            result.addProperty("seconds_per_run", seconds.toSeconds());
            result.addProperty("cpus", Runtime.getRuntime().availableProcessors());
            result.addProperty("load_average_before", loadAverage());
            result.addProperty("target", "p99 <= 200 ms for year_by_month_by_jurisdiction at 1,000,000 fines");
            JsonArray runs = new JsonArray();
            for (Query query : queries) {
                // warm-up, the answer's size, and the check that both modes answer the same
                List<com.finehero.api.fines.v1.FineAnalyticsRow> rollup = Mode.ROLLUP.run(store, query.query());
                List<com.finehero.api.fines.v1.FineAnalyticsRow> live = new ArrayList<>(Mode.LIVE.run(store, query.query()));
                live.sort(java.util.Comparator.comparing((com.finehero.api.fines.v1.FineAnalyticsRow row) -> row.getBucketStart().getSeconds())
                        .thenComparing(com.finehero.api.fines.v1.FineAnalyticsRow::getGroup)
                        .thenComparing(com.finehero.api.fines.v1.FineAnalyticsRow::getCurrencyCode));
                boolean same = live.equals(rollup);
                for (int callers : callerCounts) {
                    for (Mode mode : Mode.values()) {
                        JsonObject run = measure(store, query, mode, callers, seconds);
                        run.addProperty("rows", rollup.size());
                        run.addProperty("same_answer_as_live", same);
                        runs.add(run);
                        System.err.println(run);
                    }
                }
            }
            result.add("runs", runs);
            result.addProperty("load_average_after", loadAverage());
            Files.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(result) + "\n");
        }
    }

    static JsonObject measure(FineStore store, Query query, Mode mode, int callers, Duration duration) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<List<Long>>> parts = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            parts.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                do {
                    long start = System.nanoTime();
                    mode.run(store, query.query());
                    latencies.add(System.nanoTime() - start);
                } while (System.nanoTime() < end);
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> part : parts) {
            all.addAll(part.get());
        }
        pool.shutdown();
        all.sort(null);
        JsonObject run = new JsonObject();
        run.addProperty("query", query.name());
        run.addProperty("mode", mode.name().toLowerCase(Locale.ROOT));
        run.addProperty("callers", callers);
        run.addProperty("calls", all.size());
        run.addProperty("p50_ms", millis(all, 0.50));
        run.addProperty("p99_ms", millis(all, 0.99));
        run.addProperty("max_ms", Math.round(all.getLast() / 1e5) / 10.0);
        return run;
    }

    static double millis(List<Long> sorted, double quantile) {
        long nanos = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
        return Math.round(nanos / 1e5) / 10.0;
    }

    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * Replaces the schema's fines with {@code n} generated ones, issued evenly over 2025 and 2026: 20
     * jurisdictions, 40 violation codes, amounts from 25.00 to 200.00 EUR; about 55% paid 1 to 60 days after
     * issue, 15% contested (a third pending, a third dismissed, a third upheld and half of those paid since),
     * the rest open or overdue. setseed makes random() repeat the same sequence on every run.
     */
    static void generate(Database database, int n) {
        String jurisdictions = "ARRAY['" + String.join("','", JURISDICTIONS) + "']";
        database.inTransaction(connection -> {
            try (Statement sql = connection.createStatement()) {
                sql.execute("DELETE FROM payment_confirmations");
                sql.execute("UPDATE fines SET payment_id = NULL");
                sql.execute("DELETE FROM fine_payments");
                sql.execute("DELETE FROM fines");
                sql.execute("DELETE FROM fine_rollup_dirty");
                sql.execute("DELETE FROM fine_rollup_days");
                sql.execute("DELETE FROM fine_rollup_days_by_status");
                sql.execute("DELETE FROM fine_rollup_days_by_code");
                sql.execute("SELECT setseed(0.42)");
                sql.execute("CREATE TEMPORARY TABLE gen ON COMMIT DROP AS SELECT i, random() AS r_status, random() AS r_time,"
                        + " random() AS r_place, random() AS r_code, random() AS r_amount, random() AS r_days FROM generate_series(1, " + n + ") i");
                sql.execute("CREATE TEMPORARY TABLE gen2 ON COMMIT DROP AS SELECT i, r_days,"
                        + " md5('fine' || i)::uuid::text AS id,"
                        + " (" + jurisdictions + ")[1 + floor(r_place * " + JURISDICTIONS.length + ")::int] AS jurisdiction,"
                        + " 'V' || (1 + floor(power(r_code, 2) * 40)::int) AS violation_code,"
                        + " 2500 + (floor(r_amount * 70)::int) * 250 AS amount_minor,"
                        + " TIMESTAMP WITH TIME ZONE '" + FROM + "' + (r_time * " + Duration.between(FROM, TO).toSeconds() + ") * INTERVAL '1 second' AS issue_time,"
                        + " CASE WHEN r_status < 0.55 THEN 'PAID' WHEN r_status < 0.75 THEN 'OPEN' WHEN r_status < 0.85 THEN 'OVERDUE'"
                        + " WHEN r_status < 0.90 THEN 'CONTESTED' WHEN r_status < 0.95 THEN 'DISMISSED'"
                        + " WHEN r_status < 0.975 THEN 'UPHELD' ELSE 'PAID' END AS status,"
                        + " CASE WHEN r_status < 0.85 THEN NULL WHEN r_status < 0.95 AND r_status >= 0.90 THEN 'DISMISSED'"
                        + " WHEN r_status >= 0.95 THEN 'UPHELD' END AS contest_outcome,"
                        + " r_status >= 0.85 AS contested FROM gen");
                sql.execute("INSERT INTO fines (id, citation_number, jurisdiction, violation_code, currency_code, amount_minor,"
                        + " issue_time, due_time, status, contest_reason, contest_time, contest_outcome, resolve_time, payment_id,"
                        + " create_time, update_time, version)"
                        + " SELECT id, 'B' || i, jurisdiction, violation_code, 'EUR', amount_minor, issue_time, issue_time + INTERVAL '30 days', status,"
                        + " CASE WHEN contested THEN 'generated' END, CASE WHEN contested THEN issue_time + INTERVAL '3 days' END,"
                        + " contest_outcome, CASE WHEN contest_outcome IS NOT NULL THEN issue_time + INTERVAL '10 days' END,"
                        + " CASE WHEN status = 'PAID' THEN md5('payment' || i)::uuid::text END, issue_time, issue_time, 1 FROM gen2");
                sql.execute("INSERT INTO fine_payments (id, fine_id, idempotency_key, currency_code, amount_minor, paid_time, confirm_time, status)"
                        + " SELECT md5('payment' || i)::uuid::text, id, 'bench-' || i, 'EUR', amount_minor,"
                        + " issue_time + (1 + r_days * 59) * INTERVAL '1 day', issue_time + (1 + r_days * 59) * INTERVAL '1 day', 'CONFIRMED'"
                        + " FROM gen2 WHERE status = 'PAID'");
            }
            return null;
        });
        database.inTransaction(connection -> {
            try (Statement sql = connection.createStatement()) {
                sql.execute("ANALYZE fines");
                sql.execute("ANALYZE fine_payments");
            }
            return null;
        });
    }
}
