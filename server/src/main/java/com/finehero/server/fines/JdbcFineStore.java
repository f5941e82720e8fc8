package com.finehero.server.fines;

import com.finehero.server.platform.db.Times;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Payment;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.errors.FineHeroException;

/** {@link FineStore} on PostgreSQL or H2 through plain JDBC; the same SQL runs on both. */
public final class JdbcFineStore implements FineStore {

    private static final String INSERT = "INSERT INTO fines (id, " + String.join(", ", FineMapper.COLUMNS)
            + ") VALUES (?" + ", ?".repeat(FineMapper.COLUMNS.size()) + ")";
    private static final String UPDATE = "UPDATE fines SET "
            + FineMapper.COLUMNS.stream().map(c -> c + " = ?").collect(Collectors.joining(", "))
            + " WHERE id = ?";

    private final Database db;

    public JdbcFineStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public Fine create(Fine fine) {
        try {
            return db.inTransaction(connection -> {
                try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                    insert.setString(1, fine.getId());
                    FineMapper.bind(insert, 2, fine);
                    insert.executeUpdate();
                }
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
        boolean[] inserted = new boolean[fines.size()];
        if (fines.isEmpty()) {
            return inserted;
        }
        return db.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT + " ON CONFLICT DO NOTHING")) {
                for (Fine fine : fines) {
                    insert.setString(1, fine.getId());
                    FineMapper.bind(insert, 2, fine);
                    insert.addBatch();
                }
                int[] counts = insert.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    inserted[i] = counts[i] != 0;
                }
            }
            return inserted;
        });
    }

    @Override
    public Optional<Fine> find(String id) {
        return db.read(connection -> Optional.ofNullable(select(connection, id, false)));
    }

    @Override
    public Fine change(String id, UnaryOperator<Fine> change) {
        try {
            return db.inTransaction(connection -> {
                Fine current = require(connection, id);
                Fine changed = change.apply(current);
                write(connection, changed);
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
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM fines WHERE id = ?")) {
                delete.setString(1, id);
                delete.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public PaymentResult pay(String fineId, String idempotencyKey, PaymentPolicy policy) {
        try {
            return payOnce(fineId, idempotencyKey, policy);
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                // a concurrent call with the same key won the race: answer as its replay
                return payOnce(fineId, idempotencyKey, policy);
            }
            throw e;
        }
    }

    private PaymentResult payOnce(String fineId, String idempotencyKey, PaymentPolicy policy) {
        return db.inTransaction(connection -> {
            // Lock first, then look for the key: a concurrent payment of this fine has committed by the
            // time we hold the lock, so under READ COMMITTED its payment row is visible here.
            Fine current = require(connection, fineId);
            Payment earlier = paymentByKey(connection, idempotencyKey);
            if (earlier != null) {
                policy.checkReplay(earlier);
                return new PaymentResult(earlier, current, true);
            }
            Payment payment = policy.payment(current);
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO fine_payments (id, fine_id, idempotency_key, currency_code, amount_minor, reference, paid_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
                insert.setString(1, payment.getId());
                insert.setString(2, payment.getFineId());
                insert.setString(3, payment.getIdempotencyKey());
                insert.setString(4, payment.getAmount().getCurrencyCode());
                insert.setLong(5, payment.getAmount().getAmountMinor());
                insert.setString(6, payment.getReference());
                insert.setObject(7, Times.toSql(payment.getPaidTime()));
                insert.executeUpdate();
            }
            Fine paid = policy.paid(current, payment);
            write(connection, paid);
            return new PaymentResult(payment, paid, false);
        });
    }

    @Override
    public List<Fine> list(FineQuery query, int limit) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            where.add("f.status IN (" + String.join(", ", Collections.nCopies(query.statuses().size(), "?")) + ")");
            query.statuses().forEach(s -> params.add(FineRules.name(s)));
        }
        if (!query.jurisdiction().isEmpty()) {
            where.add("f.jurisdiction = ?");
            params.add(query.jurisdiction());
        }
        if (query.dueAfter() != null) {
            where.add("f.due_time >= ?");
            params.add(Times.toSql(query.dueAfter()));
        }
        if (query.dueBefore() != null) {
            where.add("f.due_time < ?");
            params.add(Times.toSql(query.dueBefore()));
        }
        if (!query.vehiclePlate().isEmpty()) {
            where.add("f.vehicle_plate = ?");
            params.add(query.vehiclePlate());
        }
        if (!query.ownerId().isEmpty()) {
            where.add("f.owner_id = ?");
            params.add(query.ownerId());
        }
        if (query.after() != null) {
            where.add("(f.create_time < ? OR (f.create_time = ? AND f.id < ?))");
            params.add(Times.toSql(query.after().createTime()));
            params.add(Times.toSql(query.after().createTime()));
            params.add(query.after().id());
        }
        String sql = FineMapper.SELECT
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY f.create_time DESC, f.id DESC LIMIT ?";
        params.add(limit);
        return db.read(connection -> selectMany(connection, sql, params));
    }

    @Override
    public List<FineStatsGroup> stats(String jurisdiction) {
        String sql = "SELECT jurisdiction, status, currency_code, COUNT(*) AS n, SUM(amount_minor) AS total FROM fines"
                + (jurisdiction.isEmpty() ? "" : " WHERE jurisdiction = ?")
                + " GROUP BY jurisdiction, status, currency_code ORDER BY jurisdiction, status, currency_code";
        return db.read(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                if (!jurisdiction.isEmpty()) {
                    statement.setString(1, jurisdiction);
                }
                List<FineStatsGroup> groups = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        groups.add(FineStatsGroup.newBuilder()
                                .setJurisdiction(rows.getString("jurisdiction"))
                                .setStatus(FineStatus.valueOf("FINE_STATUS_" + rows.getString("status")))
                                .setCount(rows.getLong("n"))
                                .setTotal(Money.newBuilder()
                                        .setCurrencyCode(rows.getString("currency_code"))
                                        .setAmountMinor(rows.getLong("total")))
                                .build());
                    }
                }
                return groups;
            }
        });
    }

    @Override
    public List<Fine> near(GeoBox box, List<FineStatus> statuses, int limit) {
        // Equirectangular distance orders candidates well within 100 km; the caller computes the exact one.
        double lngScale = Math.cos(Math.toRadians(box.centerLatitude()));
        List<Object> params = new ArrayList<>(List.of(
                box.minLatitude(), box.maxLatitude(), box.minLongitude(), box.maxLongitude()));
        String statusFilter = "";
        if (!statuses.isEmpty()) {
            statusFilter = " AND f.status IN (" + String.join(", ", Collections.nCopies(statuses.size(), "?")) + ")";
            statuses.forEach(s -> params.add(FineRules.name(s)));
        }
        String sql = FineMapper.SELECT
                + " WHERE f.latitude BETWEEN ? AND ? AND f.longitude BETWEEN ? AND ?" + statusFilter
                + " ORDER BY (f.latitude - ?) * (f.latitude - ?) + (f.longitude - ?) * (f.longitude - ?) * ? , f.id LIMIT ?";
        params.addAll(List.of(box.centerLatitude(), box.centerLatitude(),
                box.centerLongitude(), box.centerLongitude(), lngScale * lngScale, limit));
        return db.read(connection -> selectMany(connection, sql, params));
    }

    @Override
    public List<String> markOverdue(Instant now, int limit) {
        return db.inTransaction(connection -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id FROM fines WHERE status IN ('OPEN', 'UPHELD') AND due_time < ? ORDER BY due_time LIMIT ? FOR UPDATE")) {
                select.setObject(1, Times.toSql(now));
                select.setInt(2, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                return ids;
            }
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE fines SET status = 'OVERDUE', update_time = ?, version = version + 1 WHERE id IN ("
                            + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")")) {
                update.setObject(1, Times.toSql(now));
                for (int i = 0; i < ids.size(); i++) {
                    update.setString(i + 2, ids.get(i));
                }
                update.executeUpdate();
            }
            return ids;
        });
    }

    private static Fine require(Connection connection, String id) throws SQLException {
        Fine fine = select(connection, id, true);
        if (fine == null) {
            throw FineHeroException.notFound("fine", id);
        }
        return fine;
    }

    private static Fine select(Connection connection, String id, boolean lock) throws SQLException {
        if (lock) {
            // a plain row lock first: PostgreSQL refuses FOR UPDATE across the outer join, H2 has no FOR UPDATE OF
            try (PreparedStatement statement = connection.prepareStatement("SELECT id FROM fines WHERE id = ? FOR UPDATE")) {
                statement.setString(1, id);
                try (ResultSet row = statement.executeQuery()) {
                    if (!row.next()) {
                        return null;
                    }
                }
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(FineMapper.SELECT + " WHERE f.id = ?")) {
            statement.setString(1, id);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? FineMapper.fine(row) : null;
            }
        }
    }

    private static List<Fine> selectMany(Connection connection, String sql, List<Object> params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                statement.setObject(i + 1, params.get(i));
            }
            List<Fine> fines = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    fines.add(FineMapper.fine(rows));
                }
            }
            return fines;
        }
    }

    private static Payment paymentByKey(Connection connection, String key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT * FROM fine_payments WHERE idempotency_key = ?")) {
            statement.setString(1, key);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? FineMapper.payment(row) : null;
            }
        }
    }

    private static void write(Connection connection, Fine fine) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(UPDATE)) {
            int next = FineMapper.bind(update, 1, fine);
            update.setString(next, fine.getId());
            if (update.executeUpdate() != 1) {
                throw FineHeroException.notFound("fine", fine.getId());
            }
        }
    }
}
