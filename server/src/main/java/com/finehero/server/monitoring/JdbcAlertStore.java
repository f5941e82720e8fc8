package com.finehero.server.monitoring;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;

/** Alerts in the {@code alerts} table (migration V20); the same SQL on PostgreSQL and H2. */
public final class JdbcAlertStore implements AlertStore {

    private static final String COLUMNS = "id, rule, subject, state, severity, summary, measured, threshold, unit, "
            + "fire_time, resolve_time, update_time";
    /** SQLState of a unique violation, on PostgreSQL and H2 alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final Database db;

    public JdbcAlertStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public boolean claimEvaluation(String instanceId, Instant now, Duration minGap) {
        return db.inTransaction(connection -> {
            try (PreparedStatement claim = connection.prepareStatement(
                    "UPDATE alert_evaluations SET last_run = ?, instance_id = ? WHERE id = 1 AND last_run <= ?")) {
                claim.setObject(1, Times.toSql(now));
                claim.setString(2, instanceId);
                claim.setObject(3, Times.toSql(now.minus(minGap)));
                return claim.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<Alert> firing() {
        return db.read(connection -> select(connection,
                "SELECT " + COLUMNS + " FROM alerts WHERE firing_key IS NOT NULL ORDER BY fire_time DESC, id DESC", List.of()));
    }

    @Override
    public boolean fire(Alert alert) {
        try {
            return db.inTransaction(connection -> {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO alerts (" + COLUMNS
                        + ", firing_key) VALUES (?, ?, ?, 'FIRING', ?, ?, ?, ?, ?, ?, NULL, ?, ?)")) {
                    insert.setString(1, alert.getId());
                    insert.setString(2, alert.getRule());
                    insert.setString(3, alert.getSubject());
                    insert.setString(4, severity(alert.getSeverity()));
                    insert.setString(5, alert.getSummary());
                    insert.setDouble(6, alert.getValue());
                    insert.setDouble(7, alert.getThreshold());
                    insert.setString(8, alert.getUnit());
                    insert.setObject(9, Times.toSql(alert.getFireTime()));
                    insert.setObject(10, Times.toSql(alert.getUpdateTime()));
                    insert.setString(11, firingKey(alert));
                    return insert.executeUpdate() == 1;
                }
            });
        } catch (Database.DatabaseException e) {
            if (UNIQUE_VIOLATION.equals(e.sqlException().getSQLState())) {
                return false; // another instance recorded it first
            }
            throw e;
        }
    }

    @Override
    public boolean update(Alert changed, AlertSeverity expected) {
        return db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE alerts SET severity = ?, summary = ?, "
                    + "measured = ?, threshold = ?, update_time = ? WHERE id = ? AND firing_key IS NOT NULL AND severity = ?")) {
                update.setString(1, severity(changed.getSeverity()));
                update.setString(2, changed.getSummary());
                update.setDouble(3, changed.getValue());
                update.setDouble(4, changed.getThreshold());
                update.setObject(5, Times.toSql(changed.getUpdateTime()));
                update.setString(6, changed.getId());
                update.setString(7, severity(expected));
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean resolve(Alert resolved) {
        return db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE alerts SET state = 'RESOLVED', "
                    + "firing_key = NULL, summary = ?, measured = ?, resolve_time = ?, update_time = ? "
                    + "WHERE id = ? AND firing_key IS NOT NULL")) {
                update.setString(1, resolved.getSummary());
                update.setDouble(2, resolved.getValue());
                update.setObject(3, Times.toSql(resolved.getResolveTime()));
                update.setObject(4, Times.toSql(resolved.getUpdateTime()));
                update.setString(5, resolved.getId());
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public int prune(String rule, String subject, int keep) {
        return db.inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM alerts WHERE rule = ? AND subject = ? "
                    + "AND firing_key IS NULL AND id NOT IN (SELECT id FROM alerts WHERE rule = ? AND subject = ? "
                    + "ORDER BY fire_time DESC, id DESC LIMIT ?)")) {
                delete.setString(1, rule);
                delete.setString(2, subject);
                delete.setString(3, rule);
                delete.setString(4, subject);
                delete.setInt(5, keep);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public List<Alert> list(Query query, int limit) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (query.state() != AlertState.ALERT_STATE_UNSPECIFIED) {
            where.add("state = ?");
            params.add(query.state() == AlertState.ALERT_STATE_FIRING ? "FIRING" : "RESOLVED");
        }
        if (!query.rule().isEmpty()) {
            where.add("rule = ?");
            params.add(query.rule());
        }
        if (query.severity() != AlertSeverity.ALERT_SEVERITY_UNSPECIFIED) {
            where.add("severity = ?");
            params.add(severity(query.severity()));
        }
        if (query.after() != null) {
            where.add("(fire_time < ? OR (fire_time = ? AND id < ?))");
            params.add(Times.toSql(query.after().fireTime()));
            params.add(Times.toSql(query.after().fireTime()));
            params.add(query.after().id());
        }
        params.add(limit);
        String sql = "SELECT " + COLUMNS + " FROM alerts" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY fire_time DESC, id DESC LIMIT ?";
        return db.read(connection -> select(connection, sql, params));
    }

    private static List<Alert> select(Connection connection, String sql, List<Object> params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                statement.setObject(i + 1, params.get(i));
            }
            List<Alert> alerts = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    alerts.add(alert(rows));
                }
            }
            return alerts;
        }
    }

    private static Alert alert(ResultSet row) throws SQLException {
        Alert.Builder alert = Alert.newBuilder()
                .setId(row.getString("id"))
                .setRule(row.getString("rule"))
                .setSubject(row.getString("subject"))
                .setState("FIRING".equals(row.getString("state")) ? AlertState.ALERT_STATE_FIRING : AlertState.ALERT_STATE_RESOLVED)
                .setSeverity("CRITICAL".equals(row.getString("severity"))
                        ? AlertSeverity.ALERT_SEVERITY_CRITICAL : AlertSeverity.ALERT_SEVERITY_WARNING)
                .setSummary(row.getString("summary"))
                .setValue(row.getDouble("measured"))
                .setThreshold(row.getDouble("threshold"))
                .setUnit(row.getString("unit"))
                .setFireTime(Times.fromSql(row.getObject("fire_time", OffsetDateTime.class)))
                .setUpdateTime(Times.fromSql(row.getObject("update_time", OffsetDateTime.class)));
        OffsetDateTime resolved = row.getObject("resolve_time", OffsetDateTime.class);
        if (resolved != null) {
            alert.setResolveTime(Times.fromSql(resolved));
        }
        return alert.build();
    }

    static String firingKey(Alert alert) {
        return alert.getRule() + "|" + alert.getSubject();
    }

    private static String severity(AlertSeverity severity) {
        return switch (severity) {
            case ALERT_SEVERITY_CRITICAL -> "CRITICAL";
            case ALERT_SEVERITY_WARNING -> "WARNING";
            default -> throw new IllegalArgumentException("severity: " + severity + " (expected: WARNING or CRITICAL)");
        };
    }
}
