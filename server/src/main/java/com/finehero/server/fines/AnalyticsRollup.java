package com.finehero.server.fines;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.FineAnalyticsMeasure;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.JurisdictionScope;

/**
 * GetFineAnalytics' answers, from a daily rollup where it is current and from the fines where it is not.
 *
 * <p>Each fine write inserts a marker with the UTC issue day it touched ({@link #markDirty}, in the
 * write's transaction); {@link #refresh} rewrites a marked day's rollup rows from its fines and deletes
 * the markers it read. An answer reads, in one statement (one snapshot): the rollup rows of the whole
 * days of the range that have no marker, the fines of the marked days and of the partial days at the
 * range's ends, and the markers themselves. The markers it saw must be those it planned the statement
 * for, or it plans again; so every answer equals {@link #live}'s over the same committed fines.
 *
 * <p>Medians cannot be added up, so rollup rows keep a histogram of whole days to payment, and both
 * paths count days to payment in whole days: the median of a merged histogram is then exactly
 * PERCENTILE_CONT(0.5) over the same values.
 */
final class AnalyticsRollup {

    /** More marked days in a range than this, and the answer is read from the fines alone. */
    static final int MAX_DIRTY_DAYS = 64;
    /** Days rewritten per pass of {@link #refresh}. */
    static final int REFRESH_BATCH = 200;

    private static final String[] FLAGS = {"paid", "outstanding", "contested", "dismissed", "upheld"};
    private static final String SUM_COLUMNS = "issued_n, issued_amount, paid_n, paid_amount, outstanding_n, outstanding_amount,"
            + " contested_n, contested_amount, dismissed_n, dismissed_amount, upheld_n, upheld_amount";
    /** Each fine's outcome flags and whole days to payment, as both the live answer and the rollup count them. */
    private static final String OUTCOMES = " f.currency_code, f.amount_minor,"
            + " CASE WHEN f.status = 'PAID' THEN 1 ELSE 0 END AS paid,"
            + " CASE WHEN f.status IN ('OPEN', 'OVERDUE', 'UPHELD', 'CONTESTED') THEN 1 ELSE 0 END AS outstanding,"
            + " CASE WHEN f.contest_time IS NOT NULL THEN 1 ELSE 0 END AS contested,"
            + " CASE WHEN f.contest_outcome = 'DISMISSED' THEN 1 ELSE 0 END AS dismissed,"
            + " CASE WHEN f.contest_outcome = 'UPHELD' THEN 1 ELSE 0 END AS upheld,"
            + " FLOOR((EXTRACT(EPOCH FROM p.confirm_time) - EXTRACT(EPOCH FROM f.issue_time)) / 86400.0) AS days_to_pay"
            + " FROM fines f LEFT JOIN fine_payments p ON p.id = f.payment_id AND f.status = 'PAID' AND p.status = 'CONFIRMED'";

    private final Database db;

    AnalyticsRollup(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    // ---- writes ----

    /** Marks the UTC days of {@code issueTimes} for rewriting; call in the transaction that changes their fines. */
    static void markDirty(Connection connection, Collection<Instant> issueTimes) throws SQLException {
        Set<LocalDate> days = new TreeSet<>();
        for (Instant issued : issueTimes) {
            days.add(LocalDate.ofInstant(issued, ZoneOffset.UTC));
        }
        if (!days.isEmpty()) {
            Sql.batch(connection, "INSERT INTO fine_rollup_dirty (issue_day) VALUES (?)", days.stream().map(List::of).toList());
        }
    }

    /**
     * Rewrites the rollup rows of every marked day, {@link #REFRESH_BATCH} days at a time, until a pass
     * finds none or {@code maxPasses} passes ran (writes go on marking days meanwhile). Returns the days rewritten.
     */
    int refresh(int maxPasses) {
        int total = 0;
        for (int pass = 0; pass < maxPasses; pass++) {
            List<LocalDate> days = db.read(connection -> Sql.list(connection,
                    "SELECT DISTINCT issue_day FROM fine_rollup_dirty ORDER BY issue_day LIMIT ?", List.of(REFRESH_BATCH),
                    row -> row.getObject(1, LocalDate.class)));
            for (LocalDate day : days) {
                total += refreshDay(day) ? 1 : 0;
            }
            if (days.size() < REFRESH_BATCH) {
                break;
            }
        }
        return total;
    }

    /** Rewrites one day's rows if it is marked; false when another run took its markers first. */
    boolean refreshDay(LocalDate day) {
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        return db.inTransaction(connection -> {
            // Locking the day's markers serialises runs on the same day. The fines are read by a later
            // statement, so every write whose marker is read here is in what is rolled up; a marker
            // committed since stays and marks the day again.
            List<Long> markers = Sql.list(connection, "SELECT id FROM fine_rollup_dirty WHERE issue_day = ? FOR UPDATE",
                    List.of(day), row -> row.getLong(1));
            if (markers.isEmpty()) {
                return false;
            }
            Map<List<String>, Sums> byCode = new TreeMap<>(KEYS);
            Map<List<String>, Sums> byStatus = new TreeMap<>(KEYS);
            Map<List<String>, Sums> totals = new TreeMap<>(KEYS);
            Sql.list(connection, "SELECT f.jurisdiction, f.violation_code, f.status," + OUTCOMES
                    + " WHERE f.issue_time >= ? AND f.issue_time < ?", List.of(start, start.plusSeconds(86_400)), row -> {
                        Sums fine = Sums.ofFine(row);
                        String jurisdiction = row.getString("jurisdiction");
                        String status = row.getString("status");
                        String currency = row.getString("currency_code");
                        byCode.computeIfAbsent(List.of(jurisdiction, row.getString("violation_code"), status, currency), k -> new Sums()).add(fine);
                        byStatus.computeIfAbsent(List.of(jurisdiction, status, currency), k -> new Sums()).add(fine);
                        totals.computeIfAbsent(List.of(jurisdiction, currency), k -> new Sums()).add(fine);
                        return null;
                    });
            LocalDate week = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            LocalDate month = day.withDayOfMonth(1);
            Sql.update(connection, "DELETE FROM fine_rollup_days WHERE issue_day = ?", List.of(day));
            Sql.update(connection, "DELETE FROM fine_rollup_days_by_status WHERE issue_day = ?", List.of(day));
            Sql.update(connection, "DELETE FROM fine_rollup_days_by_code WHERE issue_day = ?", List.of(day));
            insert(connection, "fine_rollup_days (issue_day, jurisdiction, currency_code", totals, day, week, month);
            insert(connection, "fine_rollup_days_by_status (issue_day, jurisdiction, status, currency_code", byStatus, day, week, month);
            insert(connection, "fine_rollup_days_by_code (issue_day, jurisdiction, violation_code, status, currency_code",
                    byCode, day, week, month);
            for (List<Long> part : Sql.chunks(markers, 500)) {
                Sql.update(connection, "DELETE FROM fine_rollup_dirty WHERE id IN (" + Sql.placeholders(part.size()) + ")", part);
            }
            return true;
        });
    }

    private static void insert(Connection connection, String tableAndKey, Map<List<String>, Sums> rows, LocalDate day,
                               LocalDate week, LocalDate month) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        int keys = rows.keySet().iterator().next().size();
        String sql = "INSERT INTO " + tableAndKey + ", week_start, month_start, " + SUM_COLUMNS + ", pay_days) VALUES (?, "
                + Sql.placeholders(keys + 2 + 12 + 1) + ")";
        List<List<?>> values = new ArrayList<>();
        rows.forEach((key, sums) -> {
            List<Object> row = new ArrayList<>();
            row.add(day);
            row.addAll(key);
            row.add(week);
            row.add(month);
            for (long value : sums.values) {
                row.add(value);
            }
            row.add(sums.histogram());
            values.add(row);
        });
        Sql.batch(connection, sql, values);
    }

    // ---- reads ----

    /**
     * The answer, from the rollup for the unmarked whole days of the range and from the fines for the
     * rest; equal to {@link #live}'s but for the order of groups, which is by code point here.
     */
    List<FineAnalyticsRow> answer(FineStore.AnalyticsQuery query, int limit) {
        LocalDate firstDay = LocalDate.ofInstant(query.start().minusNanos(1), ZoneOffset.UTC).plusDays(1);
        LocalDate endDay = LocalDate.ofInstant(query.end(), ZoneOffset.UTC);
        if (!firstDay.isBefore(endDay)) {
            return fromFines(query, limit);
        }
        Instant rollupStart = firstDay.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant rollupEnd = endDay.atStartOfDay(ZoneOffset.UTC).toInstant();
        for (int attempt = 0; attempt < 3; attempt++) {
            List<LocalDate> marked = db.readReplica(connection -> Sql.list(connection,
                    "SELECT DISTINCT issue_day FROM fine_rollup_dirty WHERE issue_day >= ? AND issue_day < ?", List.of(firstDay, endDay),
                    row -> row.getObject(1, LocalDate.class)));
            Set<LocalDate> dirty = new TreeSet<>(marked);
            if (dirty.size() > MAX_DIRTY_DAYS) {
                break;
            }
            List<Instant[]> ranges = new ArrayList<>();
            addRange(ranges, query.start(), rollupStart);
            for (LocalDate day : dirty) {
                addRange(ranges, day.atStartOfDay(ZoneOffset.UTC).toInstant(), day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            }
            addRange(ranges, rollupEnd, query.end());
            Merged merged = read(query, ranges, new LocalDate[] {firstDay, endDay});
            if (merged.dirty.equals(dirty)) {
                return merged.rows(query.groupBy(), limit);
            }
            // a day was marked or rewritten between the two reads: plan again with the markers as they are now
        }
        return fromFines(query, limit);
    }

    /** The answer from the fines alone (through the same merging, so in the same order as {@link #answer}). */
    List<FineAnalyticsRow> fromFines(FineStore.AnalyticsQuery query, int limit) {
        List<Instant[]> ranges = new ArrayList<>();
        addRange(ranges, query.start(), query.end());
        return read(query, ranges, null).rows(query.groupBy(), limit);
    }

    private static void addRange(List<Instant[]> ranges, Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return;
        }
        if (!ranges.isEmpty() && ranges.getLast()[1].equals(from)) {
            ranges.getLast()[1] = to;
        } else {
            ranges.add(new Instant[] {from, to});
        }
    }

    /**
     * One statement: L rows (sums of the fines in {@code ranges}), D rows (their days-to-payment counts),
     * and when {@code rollupDays} is given R rows (sums of the rollup rows of its unmarked days), H rows
     * (their histograms) and X rows (the marked days, to check the plan against).
     */
    private Merged read(FineStore.AnalyticsQuery query, List<Instant[]> ranges, LocalDate[] rollupDays) {
        List<String> parts = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        String nothing = " CAST(NULL AS BIGINT) AS days, CAST(NULL AS VARCHAR) AS pay_days";
        String with = "";
        if (!ranges.isEmpty()) {
            Sql.Where where = Sql.where();
            List<String> spans = new ArrayList<>();
            List<Object> spanParams = new ArrayList<>();
            for (Instant[] range : ranges) {
                spans.add("(f.issue_time >= ? AND f.issue_time < ?)");
                spanParams.add(range[0]);
                spanParams.add(range[1]);
            }
            where.and("(" + String.join(" OR ", spans) + ")", spanParams.toArray());
            within(where, "f.jurisdiction", query.jurisdiction());
            within(where, "f.jurisdiction", query.scope());
            with = "WITH live AS (SELECT " + db.dialect().utcPeriodStart(query.bucket(), "f.issue_time") + " AS bucket_start, "
                    + liveGroup(query.groupBy()) + " AS grp," + OUTCOMES + where.clause() + ") ";
            params.addAll(where.params());
            StringBuilder sums = new StringBuilder("COUNT(*), SUM(amount_minor)");
            for (String flag : FLAGS) {
                sums.append(", SUM(").append(flag).append("), SUM(").append(flag).append(" * amount_minor)");
            }
            parts.add("SELECT 'L' AS kind, bucket_start, grp, currency_code, " + sums + "," + nothing
                    + " FROM live GROUP BY bucket_start, grp, currency_code");
            parts.add("SELECT 'D', bucket_start, grp, currency_code, COUNT(*)" + ", 0".repeat(11)
                    + ", CAST(days_to_pay AS BIGINT), CAST(NULL AS VARCHAR) FROM live WHERE days_to_pay IS NOT NULL"
                    + " GROUP BY bucket_start, grp, currency_code, days_to_pay");
        }
        if (rollupDays != null) {
            // the smallest table that has the group: per code it is about as large as the fines
            String table = switch (query.groupBy()) {
                case ANALYTICS_GROUP_BY_VIOLATION_CODE -> "fine_rollup_days_by_code";
                case ANALYTICS_GROUP_BY_STATUS -> "fine_rollup_days_by_status";
                case ANALYTICS_GROUP_BY_JURISDICTION, ANALYTICS_GROUP_BY_UNSPECIFIED, UNRECOGNIZED -> "fine_rollup_days";
            };
            String bucket = "CAST(r." + switch (query.bucket()) {
                case DAY -> "issue_day";
                case WEEK -> "week_start";
                case MONTH -> "month_start";
            } + " AS TIMESTAMP)";
            String group = switch (query.groupBy()) {
                case ANALYTICS_GROUP_BY_JURISDICTION -> "r.jurisdiction";
                case ANALYTICS_GROUP_BY_VIOLATION_CODE -> "r.violation_code";
                case ANALYTICS_GROUP_BY_STATUS -> "r.status";
                case ANALYTICS_GROUP_BY_UNSPECIFIED, UNRECOGNIZED -> "''";
            };
            Sql.Where where = Sql.where().atLeast("r.issue_day", rollupDays[0]).below("r.issue_day", rollupDays[1])
                    .and("NOT EXISTS (SELECT 1 FROM fine_rollup_dirty d WHERE d.issue_day = r.issue_day)");
            within(where, "r.jurisdiction", query.jurisdiction());
            within(where, "r.jurisdiction", query.scope());
            StringBuilder sums = new StringBuilder();
            for (String column : SUM_COLUMNS.split(", ")) {
                sums.append(sums.isEmpty() ? "" : ", ").append("SUM(r.").append(column.trim()).append(")");
            }
            parts.add("SELECT 'R', " + bucket + ", " + group + ", r.currency_code, " + sums + "," + nothing
                    + " FROM " + table + " r" + where.clause() + " GROUP BY " + bucket + (group.equals("''") ? "" : ", " + group)
                    + ", r.currency_code"); // PostgreSQL refuses a constant in GROUP BY
            params.addAll(where.params());
            parts.add("SELECT 'H', " + bucket + ", " + group + ", r.currency_code" + ", 0".repeat(12)
                    + ", CAST(NULL AS BIGINT), r.pay_days FROM " + table + " r" + where.clause() + " AND r.pay_days IS NOT NULL");
            params.addAll(where.params());
            parts.add("SELECT DISTINCT 'X', CAST(d.issue_day AS TIMESTAMP), '', ''" + ", 0".repeat(12) + "," + nothing
                    + " FROM fine_rollup_dirty d WHERE d.issue_day >= ? AND d.issue_day < ?");
            params.add(rollupDays[0]);
            params.add(rollupDays[1]);
        }
        String sql = with + String.join(" UNION ALL ", parts);
        return db.readReplica(connection -> {
            Merged merged = new Merged();
            Sql.list(connection, sql, params, row -> {
                merged.add(row);
                return null;
            });
            return merged;
        });
    }

    private static String liveGroup(AnalyticsGroupBy groupBy) {
        return switch (groupBy) {
            case ANALYTICS_GROUP_BY_JURISDICTION -> "f.jurisdiction";
            case ANALYTICS_GROUP_BY_VIOLATION_CODE -> "f.violation_code";
            case ANALYTICS_GROUP_BY_STATUS -> "f.status";
            case ANALYTICS_GROUP_BY_UNSPECIFIED, UNRECOGNIZED -> "''";
        };
    }

    /**
     * The answer computed by one SQL statement over the fines, with PERCENTILE_CONT for medians: what
     * {@link #answer} must equal. Groups are in the database's collation order.
     */
    List<FineAnalyticsRow> live(FineStore.AnalyticsQuery query, int limit) {
        Sql.Where where = Sql.where().atLeast("f.issue_time", query.start()).below("f.issue_time", query.end());
        within(where, "f.jurisdiction", query.jurisdiction());
        within(where, "f.jurisdiction", query.scope());
        StringBuilder sums = new StringBuilder();
        for (String flag : FLAGS) {
            sums.append(" SUM(").append(flag).append(") AS ").append(flag).append("_n, SUM(").append(flag)
                    .append(" * amount_minor) AS ").append(flag).append("_amount,");
        }
        String sql = "SELECT bucket_start, grp, currency_code, COUNT(*) AS issued_n, SUM(amount_minor) AS issued_amount," + sums
                + " PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY days_to_pay) AS median_days"
                + " FROM (SELECT " + db.dialect().utcPeriodStart(query.bucket(), "f.issue_time") + " AS bucket_start, "
                + liveGroup(query.groupBy()) + " AS grp," + OUTCOMES + where.clause() + ") x"
                + " GROUP BY bucket_start, grp, currency_code ORDER BY bucket_start, grp, currency_code LIMIT ?";
        return db.readReplica(connection -> Sql.list(connection, sql, where.params(limit), row -> {
            Sums total = new Sums();
            total.values[0] = row.getLong("issued_n");
            total.values[1] = row.getLong("issued_amount");
            for (int i = 0; i < FLAGS.length; i++) {
                total.values[2 + 2 * i] = row.getLong(FLAGS[i] + "_n");
                total.values[3 + 2 * i] = row.getLong(FLAGS[i] + "_amount");
            }
            double median = row.getDouble("median_days");
            Double medianOrNull = row.wasNull() ? null : median;
            return toRow(bucketStart(row), row.getString("grp"), row.getString("currency_code"), total, medianOrNull, query.groupBy());
        }));
    }

    private static Sql.Where within(Sql.Where where, String column, JurisdictionScope scope) {
        return scope.limited() ? where.and(scope.sqlCondition(column), scope.sqlParams()) : where;
    }

    private static Instant bucketStart(ResultSet row) throws SQLException {
        return row.getObject("bucket_start", LocalDateTime.class).toInstant(ZoneOffset.UTC);
    }

    private static FineAnalyticsRow toRow(Instant bucket, String group, String currency, Sums sums, Double medianDays,
                                          AnalyticsGroupBy groupBy) {
        FineAnalyticsRow.Builder out = FineAnalyticsRow.newBuilder()
                .setBucketStart(Times.toProto(bucket))
                .setGroup(groupBy == AnalyticsGroupBy.ANALYTICS_GROUP_BY_STATUS ? "FINE_STATUS_" + group : group)
                .setCurrencyCode(currency)
                .setIssued(measure(sums, 0, currency))
                .setPaid(measure(sums, 2, currency))
                .setOutstanding(measure(sums, 4, currency))
                .setContested(measure(sums, 6, currency))
                .setDismissed(measure(sums, 8, currency))
                .setUpheld(measure(sums, 10, currency));
        long owed = out.getIssued().getAmount().getAmountMinor() - out.getDismissed().getAmount().getAmountMinor();
        if (owed > 0) {
            out.setCollectionRate((double) out.getPaid().getAmount().getAmountMinor() / owed);
        }
        if (medianDays != null) {
            out.setMedianDaysToPayment(medianDays);
        }
        long ruled = out.getDismissed().getCount() + out.getUpheld().getCount();
        if (ruled > 0) {
            out.setContestSuccessRate((double) out.getDismissed().getCount() / ruled);
        }
        return out.build();
    }

    private static FineAnalyticsMeasure measure(Sums sums, int at, String currency) {
        return FineAnalyticsMeasure.newBuilder()
                .setCount(sums.values[at])
                .setAmount(Money.newBuilder().setCurrencyCode(currency).setAmountMinor(sums.values[at + 1]))
                .build();
    }

    /** Orders keys of strings, then of the bucket, by code point: the same in Java on every database. */
    private static final Comparator<List<String>> KEYS = (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    /** Counts and amounts in {@link #SUM_COLUMNS} order, and a histogram of whole days to payment. */
    static final class Sums {
        final long[] values = new long[12];
        final PayDays payDays = new PayDays();

        static Sums ofFine(ResultSet row) throws SQLException {
            Sums fine = new Sums();
            long amount = row.getLong("amount_minor");
            fine.values[0] = 1;
            fine.values[1] = amount;
            for (int i = 0; i < FLAGS.length; i++) {
                int flag = row.getInt(FLAGS[i]);
                fine.values[2 + 2 * i] = flag;
                fine.values[3 + 2 * i] = flag * amount;
            }
            long days = row.getLong("days_to_pay");
            if (!row.wasNull()) {
                fine.payDays.add(days, 1);
            }
            return fine;
        }

        void add(Sums other) {
            for (int i = 0; i < values.length; i++) {
                values[i] += other.values[i];
            }
            payDays.add(other.payDays);
        }

        /** "days:count" pairs in ascending days, space-separated; null when no fine is paid. */
        String histogram() {
            return payDays.isEmpty() ? null : payDays.encode();
        }

        Double median() {
            return payDays.median();
        }
    }

    /**
     * Counts per whole day to payment. An answer merges thousands of rows' histograms, so the usual range
     * (0 to 4095 days) is an array rather than a map of boxed values; anything outside it is kept too.
     */
    static final class PayDays {
        private static final int DENSE = 4096;
        private long[] dense = new long[64];
        private TreeMap<Long, Long> outside;
        private long total;

        void add(long days, long n) {
            total += n;
            if (days >= 0 && days < DENSE) {
                if (days >= dense.length) {
                    dense = java.util.Arrays.copyOf(dense, (int) Math.min(DENSE, Math.max(days + 1, dense.length * 2L)));
                }
                dense[(int) days] += n;
            } else {
                if (outside == null) {
                    outside = new TreeMap<>();
                }
                outside.merge(days, n, Long::sum);
            }
        }

        void add(PayDays other) {
            other.forEach(this::add);
        }

        boolean isEmpty() {
            return total == 0;
        }

        /** Each (days, count) with a count, in ascending days. */
        void forEach(DayCount each) {
            if (outside != null) {
                outside.headMap(0L).forEach((days, n) -> each.accept(days, n));
            }
            for (int days = 0; days < dense.length; days++) {
                if (dense[days] != 0) {
                    each.accept(days, dense[days]);
                }
            }
            if (outside != null) {
                outside.tailMap((long) DENSE).forEach((days, n) -> each.accept(days, n));
            }
        }

        String encode() {
            StringBuilder out = new StringBuilder();
            forEach((days, n) -> out.append(out.isEmpty() ? "" : " ").append(days).append(':').append(n));
            return out.toString();
        }

        /** Adds a histogram written by {@link #encode}, parsed by hand: answers read thousands of them. */
        void addEncoded(String encoded) {
            long days = 0;
            long number = 0;
            boolean negative = false;
            for (int i = 0, length = encoded.length(); i <= length; i++) {
                char c = i == length ? ' ' : encoded.charAt(i);
                if (c >= '0' && c <= '9') {
                    number = number * 10 + (c - '0');
                } else if (c == '-') {
                    negative = true;
                } else if (c == ':') {
                    days = negative ? -number : number;
                    number = 0;
                    negative = false;
                } else {
                    add(days, number);
                    number = 0;
                }
            }
        }

        /** PERCENTILE_CONT(0.5) over the histogram's values: the middle one, or the mean of the middle two. */
        Double median() {
            if (total == 0) {
                return null;
            }
            long low = (total - 1) / 2;
            long high = total / 2;
            long[] found = {Long.MIN_VALUE, Long.MIN_VALUE, 0}; // low value, high value, seen
            boolean[] lowFound = {false};
            forEach((days, n) -> {
                found[2] += n;
                if (!lowFound[0] && found[2] > low) {
                    found[0] = days;
                    lowFound[0] = true;
                }
                if (found[1] == Long.MIN_VALUE && found[2] > high) {
                    found[1] = days;
                }
            });
            return (found[0] + found[1]) / 2.0;
        }

        interface DayCount {
            void accept(long days, long count);
        }
    }

    /** The rows of one statement of {@link #read}, added up per bucket, group and currency. */
    private static final class Merged {
        final Map<LocalDateTime, Map<List<String>, Sums>> buckets = new TreeMap<>();
        final Set<LocalDate> dirty = new TreeSet<>();

        void add(ResultSet row) throws SQLException {
            String kind = row.getString(1);
            LocalDateTime bucket = row.getObject(2, LocalDateTime.class);
            if (kind.equals("X")) {
                dirty.add(bucket.toLocalDate());
                return;
            }
            Sums sums = buckets.computeIfAbsent(bucket, b -> new TreeMap<>(KEYS))
                    .computeIfAbsent(List.of(row.getString(3), row.getString(4).trim()), k -> new Sums());
            switch (kind) {
                case "L", "R" -> {
                    for (int i = 0; i < 12; i++) {
                        sums.values[i] += row.getLong(5 + i);
                    }
                }
                case "D" -> sums.payDays.add(row.getLong(17), row.getLong(5));
                case "H" -> sums.payDays.addEncoded(row.getString(18));
                default -> throw new IllegalStateException("unknown row kind " + kind);
            }
        }

        List<FineAnalyticsRow> rows(AnalyticsGroupBy groupBy, int limit) {
            List<FineAnalyticsRow> out = new ArrayList<>();
            for (Map.Entry<LocalDateTime, Map<List<String>, Sums>> bucket : buckets.entrySet()) {
                Instant start = bucket.getKey().toInstant(ZoneOffset.UTC);
                for (Map.Entry<List<String>, Sums> group : bucket.getValue().entrySet()) {
                    if (out.size() == limit) {
                        return out;
                    }
                    Sums sums = group.getValue();
                    if (sums.values[0] > 0) {
                        out.add(toRow(start, group.getKey().get(0), group.getKey().get(1), sums, sums.median(), groupBy));
                    }
                }
            }
            return out;
        }
    }
}
