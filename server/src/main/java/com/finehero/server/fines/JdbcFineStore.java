package com.finehero.server.fines;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import com.finehero.api.common.v1.Money;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Payment;
import com.finehero.api.fines.v1.PaymentStatus;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.events.NewEvent;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.platform.security.JurisdictionScope;

/** {@link FineStore} on PostgreSQL or H2 through plain JDBC; the same SQL runs on both. */
final class JdbcFineStore implements FineStore {

    private static final String INSERT = "INSERT INTO fines (id, " + String.join(", ", FineMapper.COLUMNS)
            + ") VALUES (?" + ", ?".repeat(FineMapper.COLUMNS.size()) + ")";
    private static final String UPDATE = "UPDATE fines SET "
            + FineMapper.COLUMNS.stream().map(c -> c + " = ?").collect(Collectors.joining(", "))
            + " WHERE id = ?";

    private final Database db;
    private final Outbox outbox;
    private final AnalyticsRollup rollup;

    /** A store whose events carry the system clock's time. */
    public JdbcFineStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
        this.outbox = new Outbox(db, java.time.Clock.systemUTC());
        this.rollup = new AnalyticsRollup(db);
    }

    /** @param outbox where each change records its event, in the change's transaction */
    public JdbcFineStore(Database db, Outbox outbox) {
        this.db = Objects.requireNonNull(db, "db");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.rollup = new AnalyticsRollup(db);
    }

    @Override
    public Fine create(Fine fine) {
        try {
            return db.inTransaction(connection -> {
                Sql.update(connection, INSERT, insertValues(fine));
                AnalyticsRollup.markDirty(connection, List.of(issued(fine)));
                outbox.append(connection, FineEvents.of(EventKind.EVENT_KIND_FINE_CREATED, fine));
                return fine;
            });
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                throw new FineHeroException.AlreadyExists("CITATION_EXISTS", "a fine with citation number "
                        + fine.getCitationNumber() + " already exists in jurisdiction " + fine.getJurisdiction());
            }
            throw e;
        }
    }

    @Override
    public boolean[] createAbsent(List<Fine> fines) {
        if (fines.isEmpty()) {
            return new boolean[0];
        }
        return db.inTransaction(connection -> {
            boolean[] inserted = Sql.batch(connection, INSERT + " ON CONFLICT DO NOTHING",
                    fines.stream().map(JdbcFineStore::insertValues).toList());
            List<NewEvent> created = new java.util.ArrayList<>();
            List<Instant> days = new java.util.ArrayList<>();
            for (int i = 0; i < inserted.length; i++) {
                if (inserted[i]) {
                    created.add(FineEvents.of(EventKind.EVENT_KIND_FINE_CREATED, fines.get(i)));
                    days.add(issued(fines.get(i)));
                }
            }
            AnalyticsRollup.markDirty(connection, days);
            outbox.append(connection, created);
            return inserted;
        });
    }

    @Override
    public Optional<Fine> find(String id) {
        return db.read(connection -> select(connection, id));
    }

    @Override
    public Fine change(String id, UnaryOperator<Fine> change) {
        try {
            return db.inTransaction(connection -> {
                Fine current = require(connection, id);
                Fine changed = change.apply(current);
                write(connection, current, changed);
                outbox.append(connection, FineEvents.of(FineEvents.changeKind(current, changed), changed));
                return changed;
            });
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                throw new FineHeroException.AlreadyExists("CITATION_EXISTS",
                        "another fine already has that citation number in that jurisdiction");
            }
            throw e;
        }
    }

    @Override
    public void delete(String id, Consumer<Fine> check) {
        db.inTransaction(connection -> {
            Fine current = require(connection, id);
            check.accept(current);
            if (Sql.one(connection, "SELECT id FROM fine_payments WHERE fine_id = ? LIMIT 1", List.of(id), row -> true).isPresent()) {
                throw FineHeroException.failedPrecondition("FINE_HAS_PAYMENTS", "fine " + id
                        + " has a payment waiting for confirmation or owed back; fines with payments are kept as a financial record");
            }
            Sql.update(connection, "DELETE FROM fines WHERE id = ?", List.of(id));
            AnalyticsRollup.markDirty(connection, List.of(issued(current)));
            outbox.append(connection, FineEvents.of(EventKind.EVENT_KIND_FINE_DELETED, current));
            return null;
        });
    }

    @Override
    public PaymentResult pay(String fineId, String payerId, String idempotencyKey, PaymentPolicy policy) {
        try {
            return payOnce(fineId, payerId, idempotencyKey, policy);
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                // a concurrent call with the same key won the race: answer as its replay
                return payOnce(fineId, payerId, idempotencyKey, policy);
            }
            throw e;
        }
    }

    private PaymentResult payOnce(String fineId, String payerId, String idempotencyKey, PaymentPolicy policy) {
        return db.inTransaction(connection -> {
            // Lock first, then look for the key: a concurrent payment of this fine has committed by the
            // time we hold the lock, so under READ COMMITTED its payment row is visible here.
            Fine current = require(connection, fineId);
            Optional<Payment> earlier = Sql.one(connection,
                    "SELECT * FROM fine_payments WHERE payer_id = ? AND idempotency_key = ?",
                    List.of(payerId, idempotencyKey), FineMapper::payment);
            if (earlier.isPresent()) {
                policy.checkReplay(earlier.get());
                return new PaymentResult(earlier.get(), current, true);
            }
            Payment payment = policy.payment(current);
            Sql.update(connection, """
                    INSERT INTO fine_payments (id, fine_id, payer_id, idempotency_key, currency_code, amount_minor, reference,
                                               paid_time, status, confirm_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", Arrays.asList(payment.getId(), payment.getFineId(), payerId,
                    payment.getIdempotencyKey(), payment.getAmount().getCurrencyCode(), payment.getAmount().getAmountMinor(),
                    payment.getReference(), payment.getPaidTime(), FineRules.name(payment.getStatus()),
                    payment.hasConfirmTime() ? payment.getConfirmTime() : null));
            if (payment.getStatus() != PaymentStatus.PAYMENT_STATUS_CONFIRMED) {
                outbox.append(connection, FineEvents.of(EventKind.EVENT_KIND_FINE_PAYMENT_RECORDED, current, payment));
                return new PaymentResult(payment, current, false);
            }
            Fine paid = policy.paid(current, payment);
            write(connection, current, paid);
            outbox.append(connection, FineEvents.of(EventKind.EVENT_KIND_FINE_PAYMENT_RECORDED, paid, payment));
            return new PaymentResult(payment, paid, false);
        });
    }

    @Override
    public ConfirmationResult confirm(String paymentId, Confirmation confirmation, ConfirmationPolicy policy) {
        return db.inTransaction(connection -> {
            String fineId = Sql.one(connection, "SELECT fine_id FROM fine_payments WHERE id = ?", List.of(paymentId),
                    row -> row.getString(1)).orElseThrow(() -> FineHeroException.notFound("payment", paymentId));
            // the fine's lock orders this against PayFine and other confirmations of the same fine
            Fine current = require(connection, fineId);
            Payment payment = Sql.one(connection, "SELECT * FROM fine_payments WHERE id = ?", List.of(paymentId),
                    FineMapper::payment).orElseThrow(() -> FineHeroException.notFound("payment", paymentId));
            int accepted = Sql.update(connection, """
                    INSERT INTO payment_confirmations (confirmation_id, signed_time, payment_id, provider_reference, receive_time)
                    VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING""",
                    List.of(confirmation.confirmationId(), Times.toProto(confirmation.signedAt()), paymentId,
                            confirmation.providerReference()));
            if (accepted == 0) {
                throw new FineHeroException.Unauthenticated("SIGNATURE_REPLAYED", "confirmation " + confirmation.confirmationId()
                        + " signed at " + confirmation.signedAt() + " was already accepted (expected: each delivery signed anew)");
            }
            policy.check(payment);
            if (payment.getStatus() != PaymentStatus.PAYMENT_STATUS_PENDING_CONFIRMATION) {
                return new ConfirmationResult(payment, current, true);
            }
            Payment confirmed = policy.confirmed(current, payment);
            Sql.update(connection, "UPDATE fine_payments SET status = ?, confirm_time = ?, reference = ? WHERE id = ?",
                    List.of(FineRules.name(confirmed.getStatus()), confirmed.getConfirmTime(), confirmed.getReference(), paymentId));
            if (confirmed.getStatus() != PaymentStatus.PAYMENT_STATUS_CONFIRMED) {
                outbox.append(connection, FineEvents.of(EventKind.EVENT_KIND_FINE_PAYMENT_CONFIRMED, current, confirmed));
                return new ConfirmationResult(confirmed, current, false);
            }
            Fine paid = policy.paid(current, confirmed);
            write(connection, current, paid);
            outbox.append(connection, FineEvents.of(EventKind.EVENT_KIND_FINE_PAYMENT_CONFIRMED, paid, confirmed));
            return new ConfirmationResult(confirmed, paid, false);
        });
    }

    @Override
    public List<Fine> list(FineQuery query, int limit) {
        Sql.Where where = Sql.where()
                .in("f.status", query.statuses().stream().map(FineRules::name).toList())
                .eq("f.jurisdiction", query.jurisdiction())
                .atLeast("f.due_time", query.dueAfter())
                .below("f.due_time", query.dueBefore())
                .eq("f.vehicle_plate", query.vehiclePlate())
                .eq("f.owner_id", query.ownerId());
        within(where, "f.jurisdiction", query.scope());
        if (query.after() != null) {
            where.beforeKey("f.create_time", "f.id", query.after().createTime(), query.after().id());
        }
        return db.readReplica(connection -> Sql.list(connection,
                FineMapper.SELECT + where.clause() + " ORDER BY f.create_time DESC, f.id DESC LIMIT ?", where.params(limit),
                FineMapper::fine));
    }

    @Override
    public List<FineStatsGroup> stats(String jurisdiction, JurisdictionScope scope) {
        Sql.Where where = within(Sql.where().eq("jurisdiction", jurisdiction), "jurisdiction", scope);
        String sql = "SELECT jurisdiction, status, currency_code, COUNT(*) AS n, SUM(amount_minor) AS total FROM fines"
                + where.clause() + " GROUP BY jurisdiction, status, currency_code ORDER BY jurisdiction, status, currency_code";
        return db.readReplica(connection -> Sql.list(connection, sql, where.params(), row -> FineStatsGroup.newBuilder()
                .setJurisdiction(row.getString("jurisdiction"))
                .setStatus(FineStatus.valueOf("FINE_STATUS_" + row.getString("status")))
                .setCount(row.getLong("n"))
                .setTotal(Money.newBuilder()
                        .setCurrencyCode(row.getString("currency_code"))
                        .setAmountMinor(row.getLong("total")))
                .build()));
    }

    @Override
    public List<FineAnalyticsRow> analytics(AnalyticsQuery query, int limit) {
        return rollup.answer(query, limit);
    }

    @Override
    public List<FineAnalyticsRow> analyticsFromFines(AnalyticsQuery query, int limit) {
        return rollup.live(query, limit);
    }

    @Override
    public int refreshAnalytics(int maxPasses) {
        return rollup.refresh(maxPasses);
    }

    @Override
    public List<Fine> near(GeoBox box, List<FineStatus> statuses, JurisdictionScope scope, int limit) {
        // Equirectangular distance orders candidates well within 100 km; the caller computes the exact one.
        double lngScale = Math.cos(Math.toRadians(box.centerLatitude()));
        Sql.Where where = Sql.where()
                .and("f.latitude BETWEEN ? AND ?", box.minLatitude(), box.maxLatitude())
                .and("f.longitude BETWEEN ? AND ?", box.minLongitude(), box.maxLongitude())
                .in("f.status", statuses.stream().map(FineRules::name).toList());
        within(where, "f.jurisdiction", scope);
        String sql = FineMapper.SELECT + where.clause()
                + " ORDER BY (f.latitude - ?) * (f.latitude - ?) + (f.longitude - ?) * (f.longitude - ?) * ? , f.id LIMIT ?";
        return db.readReplica(connection -> Sql.list(connection, sql, where.params(box.centerLatitude(), box.centerLatitude(),
                box.centerLongitude(), box.centerLongitude(), lngScale * lngScale, limit), FineMapper::fine));
    }

    @Override
    public List<String> markOverdue(Instant now, int limit) {
        return db.inTransaction(connection -> {
            List<String> ids = Sql.list(connection,
                    "SELECT id FROM fines WHERE status IN ('OPEN', 'UPHELD') AND due_time < ? ORDER BY due_time LIMIT ? FOR UPDATE",
                    List.of(now, limit), row -> row.getString(1));
            if (ids.isEmpty()) {
                return ids;
            }
            Sql.update(connection, "UPDATE fines SET status = 'OVERDUE', update_time = ?, version = version + 1 WHERE id IN ("
                    + Sql.placeholders(ids.size()) + ")", Sql.concat(List.of(now), ids));
            List<Fine> overdue = Sql.list(connection, FineMapper.SELECT + " WHERE f.id IN (" + Sql.placeholders(ids.size()) + ")"
                    + " ORDER BY f.id", ids, FineMapper::fine);
            AnalyticsRollup.markDirty(connection, overdue.stream().map(JdbcFineStore::issued).toList());
            outbox.append(connection, overdue.stream().map(fine -> FineEvents.of(EventKind.EVENT_KIND_FINE_OVERDUE, fine)).toList());
            return ids;
        });
    }

    /** Narrows {@code where} to the rows whose {@code column} the scope reaches. */
    private static Sql.Where within(Sql.Where where, String column, JurisdictionScope scope) {
        return scope.limited() ? where.and(scope.sqlCondition(column), scope.sqlParams()) : where;
    }

    private static Fine require(Connection connection, String id) throws SQLException {
        // a plain row lock first: PostgreSQL refuses FOR UPDATE across the outer join, H2 has no FOR UPDATE OF
        if (Sql.one(connection, "SELECT id FROM fines WHERE id = ? FOR UPDATE", List.of(id), row -> true).isEmpty()) {
            throw FineHeroException.notFound("fine", id);
        }
        return select(connection, id).orElseThrow(() -> FineHeroException.notFound("fine", id));
    }

    private static Optional<Fine> select(Connection connection, String id) throws SQLException {
        return Sql.one(connection, FineMapper.SELECT + " WHERE f.id = ?", List.of(id), FineMapper::fine);
    }

    /** Writes {@code fine} over {@code current} and marks the analytics days of both issue times. */
    private static void write(Connection connection, Fine current, Fine fine) throws SQLException {
        if (Sql.update(connection, UPDATE, Sql.concat(FineMapper.values(fine), List.of(fine.getId()))) != 1) {
            throw FineHeroException.notFound("fine", fine.getId());
        }
        AnalyticsRollup.markDirty(connection, List.of(issued(current), issued(fine)));
    }

    private static Instant issued(Fine fine) {
        return Times.toInstant(fine.getIssueTime());
    }

    /** The parameters of {@link #INSERT}: the id, then the {@link FineMapper#COLUMNS}. */
    private static List<Object> insertValues(Fine fine) {
        return Sql.concat(List.of(fine.getId()), FineMapper.values(fine));
    }
}
