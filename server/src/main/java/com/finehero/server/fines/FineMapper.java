package com.finehero.server.fines;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

import com.finehero.api.common.v1.GeoPoint;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Contest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Location;
import com.finehero.api.fines.v1.Payment;
import com.finehero.api.fines.v1.PaymentStatus;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;

/** Converts between the {@code fines} / {@code fine_payments} rows and the contract's messages. */
final class FineMapper {

    /** Columns written by insert and update, in parameter order. */
    static final List<String> COLUMNS = List.of(
            "citation_number", "jurisdiction", "violation_code", "violation_description", "currency_code",
            "amount_minor", "issue_time", "due_time", "address", "latitude", "longitude", "vehicle_plate", "status",
            "owner_id", "contest_reason", "contest_evidence", "contest_documents", "contest_time", "contest_outcome",
            "resolution_note", "resolve_time", "payment_id", "create_time", "update_time", "version");

    static final String SELECT = """
            SELECT f.*, p.idempotency_key AS p_key, p.currency_code AS p_currency, p.amount_minor AS p_amount,
                   p.reference AS p_reference, p.paid_time AS p_paid_time, p.status AS p_status,
                   p.confirm_time AS p_confirm_time
              FROM fines f LEFT JOIN fine_payments p ON p.id = f.payment_id""";

    private FineMapper() {
    }

    /**
     * The {@link #COLUMNS} values of a fine, in order; null where the column is NULL (no position, no
     * contest, no outcome yet, unpaid). Times are protobuf timestamps, bound by {@link Sql}.
     */
    static List<Object> values(Fine fine) {
        GeoPoint point = fine.getLocation().hasPoint() ? fine.getLocation().getPoint() : null;
        Contest contest = fine.hasContest() ? fine.getContest() : null;
        Contest resolved = contest != null && contest.getOutcome() != ContestOutcome.CONTEST_OUTCOME_UNSPECIFIED ? contest : null;
        return Arrays.asList(
                fine.getCitationNumber(),
                fine.getJurisdiction(),
                fine.getViolationCode(),
                fine.getViolationDescription(),
                fine.getAmount().getCurrencyCode(),
                fine.getAmount().getAmountMinor(),
                fine.getIssueTime(),
                fine.getDueTime(),
                fine.getLocation().getAddress(),
                point == null ? null : point.getLatitude(),
                point == null ? null : point.getLongitude(),
                fine.getVehiclePlate(),
                FineRules.name(fine.getStatus()),
                fine.getOwnerId(),
                contest == null ? null : contest.getReason(),
                contest == null ? null : String.join("\n", contest.getEvidenceUrisList()),
                contest == null ? null : String.join("\n", contest.getCitedDocumentIdsList()),
                contest == null ? null : contest.getContestTime(),
                resolved == null ? null : resolved.getOutcome().name().substring("CONTEST_OUTCOME_".length()),
                resolved == null ? null : resolved.getResolutionNote(),
                resolved == null ? null : resolved.getResolveTime(),
                fine.hasPayment() ? fine.getPayment().getId() : null,
                fine.getCreateTime(),
                fine.getUpdateTime(),
                fine.getVersion());
    }

    /** Reads a row of {@link #SELECT}. */
    static Fine fine(ResultSet row) throws SQLException {
        Fine.Builder fine = Fine.newBuilder()
                .setId(row.getString("id"))
                .setCitationNumber(row.getString("citation_number"))
                .setJurisdiction(row.getString("jurisdiction"))
                .setViolationCode(row.getString("violation_code"))
                .setViolationDescription(row.getString("violation_description"))
                .setAmount(Money.newBuilder()
                        .setCurrencyCode(row.getString("currency_code"))
                        .setAmountMinor(row.getLong("amount_minor")))
                .setIssueTime(Times.timestamp(row, "issue_time"))
                .setDueTime(Times.timestamp(row, "due_time"))
                .setVehiclePlate(row.getString("vehicle_plate"))
                .setStatus(FineStatus.valueOf("FINE_STATUS_" + row.getString("status")))
                .setOwnerId(row.getString("owner_id"))
                .setCreateTime(Times.timestamp(row, "create_time"))
                .setUpdateTime(Times.timestamp(row, "update_time"))
                .setVersion(row.getLong("version"));
        Location.Builder location = Location.newBuilder().setAddress(row.getString("address"));
        double latitude = row.getDouble("latitude");
        if (!row.wasNull()) {
            location.setPoint(GeoPoint.newBuilder().setLatitude(latitude).setLongitude(row.getDouble("longitude")));
        }
        if (!location.getAddress().isEmpty() || location.hasPoint()) {
            fine.setLocation(location);
        }
        String reason = row.getString("contest_reason");
        if (reason != null) {
            Contest.Builder contest = Contest.newBuilder()
                    .setReason(reason)
                    .addAllEvidenceUris(lines(row.getString("contest_evidence")))
                    .addAllCitedDocumentIds(lines(row.getString("contest_documents")))
                    .setContestTime(Times.timestamp(row, "contest_time"));
            String outcome = row.getString("contest_outcome");
            if (outcome != null) {
                contest.setOutcome(ContestOutcome.valueOf("CONTEST_OUTCOME_" + outcome))
                        .setResolutionNote(row.getString("resolution_note"))
                        .setResolveTime(Times.timestamp(row, "resolve_time"));
            }
            fine.setContest(contest);
        }
        String paymentId = row.getString("payment_id");
        if (paymentId != null) {
            fine.setPayment(Payment.newBuilder()
                    .setId(paymentId)
                    .setFineId(fine.getId())
                    .setIdempotencyKey(row.getString("p_key"))
                    .setAmount(Money.newBuilder()
                            .setCurrencyCode(row.getString("p_currency"))
                            .setAmountMinor(row.getLong("p_amount")))
                    .setReference(row.getString("p_reference"))
                    .setPaidTime(Times.timestamp(row, "p_paid_time"))
                    .setStatus(paymentStatus(row.getString("p_status")))
                    .setConfirmTime(Times.timestamp(row, "p_confirm_time")));
        }
        return fine.build();
    }

    static Payment payment(ResultSet row) throws SQLException {
        Payment.Builder payment = Payment.newBuilder()
                .setId(row.getString("id"))
                .setFineId(row.getString("fine_id"))
                .setIdempotencyKey(row.getString("idempotency_key"))
                .setAmount(Money.newBuilder()
                        .setCurrencyCode(row.getString("currency_code"))
                        .setAmountMinor(row.getLong("amount_minor")))
                .setReference(row.getString("reference"))
                .setPaidTime(Times.timestamp(row, "paid_time"))
                .setStatus(paymentStatus(row.getString("status")));
        Times.optionalTimestamp(row, "confirm_time").ifPresent(payment::setConfirmTime);
        return payment.build();
    }

    private static PaymentStatus paymentStatus(String name) {
        return PaymentStatus.valueOf("PAYMENT_STATUS_" + name);
    }

    private static List<String> lines(String joined) {
        if (joined == null || joined.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(joined.split("\n"));
    }
}
