package com.finehero.server.fines;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Fine;
import com.finehero.server.platform.db.Times;

/**
 * The CSV form of fines that fines_export writes and fine_import reads, so an export imports back.
 * Columns: citation_number, jurisdiction, violation_code, violation_description, amount (decimal,
 * e.g. 45.50), currency, issue_time, due_time (RFC 3339), vehicle_plate, owner_id, status (export only).
 * Cells that a spreadsheet would run as a formula are written with a leading apostrophe
 * ({@link Csv#neutralised}) and read back without it, so an export still imports to the same values.
 */
final class FineCsv {

    static final List<String> COLUMNS = List.of("citation_number", "jurisdiction", "violation_code", "violation_description",
            "amount", "currency", "issue_time", "due_time", "vehicle_plate", "owner_id", "status");
    static final List<String> REQUIRED = List.of("citation_number", "jurisdiction", "violation_code", "amount", "currency",
            "issue_time", "due_time");

    private FineCsv() {
    }

    static List<String> row(Fine fine) {
        BigDecimal amount = BigDecimal.valueOf(fine.getAmount().getAmountMinor(), 2);
        return Stream.of(fine.getCitationNumber(), fine.getJurisdiction(), fine.getViolationCode(), fine.getViolationDescription(),
                amount.toPlainString(), fine.getAmount().getCurrencyCode(),
                Times.toInstant(fine.getIssueTime()).toString(), Times.toInstant(fine.getDueTime()).toString(),
                fine.getVehiclePlate(), fine.getOwnerId(), fine.getStatus().name().substring("FINE_STATUS_".length()))
                .map(Csv::neutralised).toList();
    }

    /** A fine from one row (column name to cell); throws IllegalArgumentException with the reason. */
    static Fine fine(Map<String, String> cells) {
        Map<String, String> row = new HashMap<>();
        cells.forEach((column, cell) -> row.put(column, Csv.restored(cell)));
        for (String column : REQUIRED) {
            if (row.getOrDefault(column, "").isBlank()) {
                throw new IllegalArgumentException(column + " is empty");
            }
        }
        long minor;
        try {
            BigDecimal amount = new BigDecimal(row.get("amount").trim());
            if (amount.signum() <= 0 || amount.scale() > 2) {
                throw new IllegalArgumentException("amount '" + row.get("amount") + "' must be positive with at most 2 decimals");
            }
            minor = amount.movePointRight(2).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("amount '" + row.get("amount") + "' is not a number like 45.50");
        }
        Instant issued = time(row, "issue_time");
        Instant due = time(row, "due_time");
        return Fine.newBuilder()
                .setCitationNumber(row.get("citation_number").trim())
                .setJurisdiction(row.get("jurisdiction").trim())
                .setViolationCode(row.get("violation_code").trim())
                .setViolationDescription(row.getOrDefault("violation_description", "").trim())
                .setAmount(Money.newBuilder().setCurrencyCode(row.get("currency").trim()).setAmountMinor(minor))
                .setIssueTime(Times.toProto(issued))
                .setDueTime(Times.toProto(due))
                .setVehiclePlate(row.getOrDefault("vehicle_plate", "").trim())
                .setOwnerId(row.getOrDefault("owner_id", "").trim())
                .build();
    }

    private static Instant time(Map<String, String> row, String column) {
        try {
            return Instant.parse(row.get(column).trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(column + " '" + row.get(column) + "' is not an RFC 3339 time like 2026-11-20T10:00:00Z");
        }
    }
}
