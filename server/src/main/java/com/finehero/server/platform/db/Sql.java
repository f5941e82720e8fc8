package com.finehero.server.platform.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.google.protobuf.Timestamp;

/**
 * The few JDBC moves every store makes, written once: bind a parameter list, run a query and map its
 * rows, run an update, and build a WHERE clause from optional filters. Stores keep their SQL; this
 * keeps the loops and the resource handling out of them.
 */
public final class Sql {

    private Sql() {
    }

    /** Maps the current row of a result set. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** Rows of {@code sql} with {@code params} bound in order, each mapped. */
    public static <T> List<T> list(Connection connection, String sql, List<?> params, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, params);
            List<T> items = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    items.add(mapper.map(rows));
                }
            }
            return items;
        }
    }

    /** The first row of {@code sql}, mapped, or empty. */
    public static <T> Optional<T> one(Connection connection, String sql, List<?> params, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, params);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.ofNullable(mapper.map(rows)) : Optional.empty();
            }
        }
    }

    /** Runs an INSERT, UPDATE or DELETE; returns the rows it changed. */
    public static int update(Connection connection, String sql, List<?> params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, params);
            return statement.executeUpdate();
        }
    }

    /**
     * Runs {@code sql} once per parameter list, as one JDBC batch. Returns, per list, whether it
     * changed a row (a driver that reports no count for a statement counts as a change).
     */
    public static boolean[] batch(Connection connection, String sql, List<? extends List<?>> rows) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (List<?> params : rows) {
                bind(statement, params);
                statement.addBatch();
            }
            int[] counts = statement.executeBatch();
            boolean[] changed = new boolean[rows.size()];
            for (int i = 0; i < counts.length; i++) {
                changed[i] = counts[i] != 0;
            }
            return changed;
        }
    }

    /**
     * Binds {@code params} to positions 1..n. {@link Instant} and protobuf {@link Timestamp} values
     * become UTC {@code OffsetDateTime}s at the precision both databases keep.
     */
    public static void bind(PreparedStatement statement, List<?> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            statement.setObject(i + 1, sqlValue(params.get(i)));
        }
    }

    /** The parameter lists one after the other, as one list; nulls stay (they bind as SQL NULL). */
    public static List<Object> concat(List<?>... parts) {
        List<Object> all = new ArrayList<>();
        for (List<?> part : parts) {
            all.addAll(part);
        }
        return all;
    }

    /** {@code ?, ?, ?} for {@code n} values, for an IN list. */
    public static String placeholders(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: > 0)");
        }
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /**
     * {@code items} in consecutive slices of at most {@code size}, for statements that take many rows
     * at once (a multi-row INSERT) but must bound their parameter count.
     */
    public static <T> List<List<T>> chunks(List<T> items, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: > 0)");
        }
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < items.size(); from += size) {
            chunks.add(items.subList(from, Math.min(items.size(), from + size)));
        }
        return chunks;
    }

    /** {@code insertInto} followed by {@code n} copies of {@code row}: one INSERT of {@code n} rows. */
    public static String insertRows(String insertInto, String row, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: > 0)");
        }
        return insertInto + String.join(", ", Collections.nCopies(n, row));
    }

    private static Object sqlValue(Object value) {
        if (value instanceof Instant instant) {
            return Times.toSql(instant);
        }
        if (value instanceof Timestamp timestamp) {
            return Times.toSql(timestamp);
        }
        return value;
    }

    /** A new, empty WHERE builder. */
    public static Where where() {
        return new Where();
    }

    /**
     * A conjunction of conditions with their parameters in order, for listings whose filters are
     * optional: {@code where.eq("f.owner_id", owner)} adds nothing when {@code owner} is empty.
     */
    public static final class Where {

        private final List<String> conditions = new ArrayList<>();
        private final List<Object> params = new ArrayList<>();

        private Where() {
        }

        /** Adds a condition with its parameters, always. */
        public Where and(String condition, Object... values) {
            conditions.add(Objects.requireNonNull(condition, "condition"));
            params.addAll(List.of(values));
            return this;
        }

        /** Adds {@code column = ?} unless the value is null or an empty string. */
        public Where eq(String column, Object value) {
            return present(value) ? and(column + " = ?", value) : this;
        }

        /** Adds {@code column >= ?} unless the value is null. */
        public Where atLeast(String column, Object value) {
            return value == null ? this : and(column + " >= ?", value);
        }

        /** Adds {@code column < ?} unless the value is null. */
        public Where below(String column, Object value) {
            return value == null ? this : and(column + " < ?", value);
        }

        /** Adds {@code column IN (...)} unless the collection is empty. */
        public Where in(String column, Collection<?> values) {
            return values.isEmpty() ? this : and(column + " IN (" + placeholders(values.size()) + ")", values.toArray());
        }

        /**
         * Adds the keyset condition of a page ordered by {@code (sortColumn DESC, idColumn DESC)}:
         * rows strictly after the last one returned. Nothing when {@code sortValue} is null.
         */
        public Where beforeKey(String sortColumn, String idColumn, Object sortValue, Object id) {
            if (sortValue == null) {
                return this;
            }
            return and("(" + sortColumn + " < ? OR (" + sortColumn + " = ? AND " + idColumn + " < ?))", sortValue, sortValue, id);
        }

        /** {@code " WHERE a AND b"}, or the empty string when there is no condition. */
        public String clause() {
            return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        }

        /** The parameters of {@link #clause()} in order, followed by {@code more}. */
        public List<Object> params(Object... more) {
            List<Object> all = new ArrayList<>(params);
            all.addAll(List.of(more));
            return all;
        }

        private static boolean present(Object value) {
            return value != null && !(value instanceof String s && s.isEmpty());
        }
    }
}
