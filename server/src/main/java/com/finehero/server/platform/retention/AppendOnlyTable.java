package com.finehero.server.platform.retention;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A table rows are only added to and later removed from by age: its name, the time column its rows are
 * kept by, the slice of time one PostgreSQL partition holds, and how many slices after the current one
 * are created ahead. Names go into SQL text, so they must be plain lower-case identifiers.
 *
 * @param name       the table, e.g. {@code audit_events}
 * @param timeColumn a {@code TIMESTAMP WITH TIME ZONE} column that is set when the row is written
 * @param slice      the time one partition holds, in UTC
 * @param ahead      slices after the current one that exist before rows arrive for them
 */
public record AppendOnlyTable(String name, String timeColumn, Slice slice, int ahead) {

    public AppendOnlyTable {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timeColumn, "timeColumn");
        Objects.requireNonNull(slice, "slice");
        if (!name.matches("[a-z][a-z0-9_]{0,40}") || !timeColumn.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("table " + name + "." + timeColumn + " (expected: lower-case identifiers)");
        }
        if (ahead < 1) {
            throw new IllegalArgumentException("ahead: " + ahead + " (expected: >= 1)");
        }
    }

    /** The catch-all partition; it stays empty while partitions exist ahead of the clock. */
    public String defaultPartition() {
        return name + "_default";
    }

    /** The partition that holds the slice starting at {@code start}. */
    public String partition(Instant start) {
        return name + "_p" + slice.suffix(start);
    }

    /** The start of the slice a partition named by {@link #partition} holds; empty for any other table. */
    public Optional<Instant> sliceOf(String partition) {
        String prefix = name + "_p";
        return partition.startsWith(prefix) ? slice.parse(partition.substring(prefix.length())) : Optional.empty();
    }

    /** The time one partition holds, in UTC; a slice runs from its start (inclusive) to the next one's. */
    public enum Slice {
        DAY(DateTimeFormatter.ofPattern("uuuuMMdd")),
        MONTH(DateTimeFormatter.ofPattern("uuuuMM"));

        private final DateTimeFormatter suffix;

        Slice(DateTimeFormatter suffix) {
            this.suffix = suffix;
        }

        /** The start of the slice {@code time} falls in. */
        public Instant start(Instant time) {
            LocalDateTime utc = LocalDateTime.ofInstant(time, ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS);
            return (this == MONTH ? utc.withDayOfMonth(1) : utc).toInstant(ZoneOffset.UTC);
        }

        /** The start of the slice after the one starting at {@code start}. */
        public Instant next(Instant start) {
            LocalDateTime utc = LocalDateTime.ofInstant(start, ZoneOffset.UTC);
            return (this == MONTH ? utc.plusMonths(1) : utc.plusDays(1)).toInstant(ZoneOffset.UTC);
        }

        String suffix(Instant start) {
            return suffix.format(LocalDateTime.ofInstant(start, ZoneOffset.UTC));
        }

        Optional<Instant> parse(String text) {
            try {
                LocalDateTime start = this == MONTH
                        ? YearMonth.parse(text, suffix).atDay(1).atStartOfDay()
                        : java.time.LocalDate.parse(text, suffix).atStartOfDay();
                return Optional.of(start.toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }
}
