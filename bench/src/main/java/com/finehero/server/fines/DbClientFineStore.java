package com.finehero.server.fines;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

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
import com.google.protobuf.Timestamp;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbStatements;
import io.helidon.dbclient.DbTransaction;

/**
 * A spike, not a store the server uses: {@link FineStore}'s cache-miss read ({@link #find}) and ListFines
 * ({@link #list}) on Helidon's DB client (helidon-dbclient-jdbc) instead of plain JDBC, written as an
 * adopted store would be, so that its cost and its length can be measured against {@link JdbcFineStore}.
 * It lives in the fines package, as that store would, to share {@link FineMapper#SELECT}; the other
 * methods are not ported.
 */
public final class DbClientFineStore extends FindAndListOnly {

    private static final String FIND = "fine-by-id";
    private static final String LIST = "list-fines";

    private final DbClient client;
    private final boolean readInTransaction;

    /**
     * @param client            built with {@link #statements()}
     * @param readInTransaction reads run in a transaction as {@link JdbcFineStore}'s do, rather than in
     *                          auto-commit as {@link DbClient#execute()} runs them
     */
    public DbClientFineStore(DbClient client, boolean readInTransaction) {
        this.client = Objects.requireNonNull(client, "client");
        this.readInTransaction = readInTransaction;
    }

    /**
     * The named statements this store runs; H2 and PostgreSQL share them. ListFines is not among them:
     * its WHERE clause depends on which filters a call gives, so it names its statement and brings the text.
     */
    public static DbStatements statements() {
        return DbStatements.builder().addStatement(FIND, FineMapper.SELECT + " WHERE f.id = ?").build();
    }

    @Override
    public Optional<Fine> find(String id) {
        return read(db -> db.namedGet(FIND, id).map(DbClientFineStore::fine));
    }

    @Override
    public List<Fine> list(FineQuery query, int limit) {
        requireUnscoped(query);
        Sql.Where where = Sql.where()
                .in("f.status", query.statuses().stream().map(FineRules::name).toList())
                .eq("f.jurisdiction", query.jurisdiction())
                .atLeast("f.due_time", sqlTime(query.dueAfter()))
                .below("f.due_time", sqlTime(query.dueBefore()))
                .eq("f.vehicle_plate", query.vehiclePlate())
                .eq("f.owner_id", query.ownerId());
        if (query.after() != null) {
            where.beforeKey("f.create_time", "f.id", sqlTime(query.after().createTime()), query.after().id());
        }
        String sql = FineMapper.SELECT + where.clause() + " ORDER BY f.create_time DESC, f.id DESC LIMIT ?";
        return read(db -> db.createNamedQuery(LIST, sql).params(where.params(limit)).execute()
                .map(DbClientFineStore::fine).toList());
    }

    private <T> T read(Function<DbExecute, T> work) {
        if (!readInTransaction) {
            return work.apply(client.execute());
        }
        DbTransaction transaction = client.transaction();
        T result;
        try {
            result = work.apply(transaction);
        } catch (RuntimeException e) {
            transaction.rollback();
            throw e;
        }
        transaction.commit();
        return result;
    }

    /** Reads a row of {@link FineMapper#SELECT}; the counterpart of {@link FineMapper#fine}. */
    static Fine fine(DbRow row) {
        Fine.Builder fine = Fine.newBuilder()
                .setId(string(row, "id"))
                .setCitationNumber(string(row, "citation_number"))
                .setJurisdiction(string(row, "jurisdiction"))
                .setViolationCode(string(row, "violation_code"))
                .setViolationDescription(string(row, "violation_description"))
                .setAmount(Money.newBuilder()
                        .setCurrencyCode(string(row, "currency_code"))
                        .setAmountMinor(row.column("amount_minor").get(Long.class)))
                .setIssueTime(time(row, "issue_time"))
                .setDueTime(time(row, "due_time"))
                .setVehiclePlate(string(row, "vehicle_plate"))
                .setStatus(FineStatus.valueOf("FINE_STATUS_" + string(row, "status")))
                .setOwnerId(string(row, "owner_id"))
                .setCreateTime(time(row, "create_time"))
                .setUpdateTime(time(row, "update_time"))
                .setVersion(row.column("version").get(Long.class));
        Location.Builder location = Location.newBuilder().setAddress(string(row, "address"));
        Double latitude = row.column("latitude").get(Double.class);
        if (latitude != null) {
            location.setPoint(GeoPoint.newBuilder().setLatitude(latitude).setLongitude(row.column("longitude").get(Double.class)));
        }
        if (!location.getAddress().isEmpty() || location.hasPoint()) {
            fine.setLocation(location);
        }
        String reason = string(row, "contest_reason");
        if (reason != null) {
            Contest.Builder contest = Contest.newBuilder()
                    .setReason(reason)
                    .addAllEvidenceUris(lines(string(row, "contest_evidence")))
                    .addAllCitedDocumentIds(lines(string(row, "contest_documents")))
                    .setContestTime(time(row, "contest_time"));
            String outcome = string(row, "contest_outcome");
            if (outcome != null) {
                contest.setOutcome(ContestOutcome.valueOf("CONTEST_OUTCOME_" + outcome))
                        .setResolutionNote(string(row, "resolution_note"))
                        .setResolveTime(time(row, "resolve_time"));
            }
            fine.setContest(contest);
        }
        String paymentId = string(row, "payment_id");
        if (paymentId != null) {
            fine.setPayment(Payment.newBuilder()
                    .setId(paymentId)
                    .setFineId(fine.getId())
                    .setIdempotencyKey(string(row, "p_key"))
                    .setAmount(Money.newBuilder()
                            .setCurrencyCode(string(row, "p_currency"))
                            .setAmountMinor(row.column("p_amount").get(Long.class)))
                    .setReference(string(row, "p_reference"))
                    .setPaidTime(time(row, "p_paid_time"))
                    .setStatus(PaymentStatus.valueOf("PAYMENT_STATUS_" + string(row, "p_status")))
                    .setConfirmTime(time(row, "p_confirm_time")));
        }
        return fine.build();
    }

    private static String string(DbRow row, String column) {
        return row.column(column).get(String.class);
    }

    /**
     * The column as a protobuf time. The client reads columns with {@code getObject}, which PostgreSQL's
     * driver answers with a {@code Timestamp} and H2's with an {@code OffsetDateTime}.
     */
    private static Timestamp time(DbRow row, String column) {
        return switch (row.column(column).get(Object.class)) {
            case java.sql.Timestamp timestamp -> Times.toProto(timestamp.toInstant());
            case OffsetDateTime time -> Times.fromSql(time);
            case Object other -> throw new DbClientException("column " + column + " holds a " + other.getClass().getName());
        };
    }

    /**
     * The client binds {@code OffsetDateTime} with {@code setObject}; an {@code Instant} would go to the
     * driver as it is, and PostgreSQL's refuses it.
     */
    private static OffsetDateTime sqlTime(Instant instant) {
        return instant == null ? null : Times.toSql(instant);
    }

    private static List<String> lines(String joined) {
        return joined == null || joined.isEmpty() ? List.of() : Arrays.asList(joined.split("\n"));
    }
}
