package com.finehero.server.platform.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import com.google.protobuf.Timestamp;

/** Conversions between protobuf, Java and SQL time at the precision both databases keep (microseconds). */
public final class Times {

    private Times() {
    }

    public static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    public static Timestamp toProto(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    public static Instant toInstant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    public static OffsetDateTime toSql(Timestamp timestamp) {
        return truncate(toInstant(timestamp)).atOffset(ZoneOffset.UTC);
    }

    public static OffsetDateTime toSql(Instant instant) {
        return truncate(instant).atOffset(ZoneOffset.UTC);
    }

    public static Timestamp fromSql(OffsetDateTime time) {
        return toProto(time.toInstant());
    }

    /** The time in {@code column} of the current row, which is NOT NULL. */
    public static Timestamp timestamp(ResultSet row, String column) throws SQLException {
        return fromSql(row.getObject(column, OffsetDateTime.class));
    }

    /** The time in {@code column} of the current row, empty when it is NULL. */
    public static Optional<Timestamp> optionalTimestamp(ResultSet row, String column) throws SQLException {
        return Optional.ofNullable(row.getObject(column, OffsetDateTime.class)).map(Times::fromSql);
    }
}
