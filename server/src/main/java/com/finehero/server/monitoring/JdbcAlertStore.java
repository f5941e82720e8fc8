package com.finehero.server.monitoring;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.events.Outbox;
import com.finehero.api.events.v1.EventKind;

/** Alerts in the {@code alerts} table (migration V6); the same SQL on PostgreSQL and H2. */
final class JdbcAlertStore implements AlertStore {

    private static final String COLUMNS = "id, rule, subject, state, severity, summary, measured, threshold, unit, "
            + "fire_time, resolve_time, update_time";

    private final Database db;
    private final Outbox outbox;

    /** A store whose events carry the system clock's time. */
    public JdbcAlertStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
        this.outbox = new Outbox(db, java.time.Clock.systemUTC());
    }

    /** @param outbox where each recorded change (fired, severity changed, resolved) records its event */
    public JdbcAlertStore(Database db, Outbox outbox) {
        this.db = Objects.requireNonNull(db, "db");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
    }

    @Override
    public boolean claimEvaluation(String instanceId, Instant now, Duration minGap) {
        return db.inTransaction(connection -> Sql.update(connection,
                "UPDATE alert_evaluations SET last_run = ?, instance_id = ? WHERE id = 1 AND last_run <= ?",
                List.of(now, instanceId, now.minus(minGap))) == 1);
    }

    @Override
    public List<Alert> firing() {
        return db.read(connection -> Sql.list(connection,
                "SELECT " + COLUMNS + " FROM alerts WHERE firing_key IS NOT NULL ORDER BY fire_time DESC, id DESC", List.of(),
                JdbcAlertStore::alert));
    }

    @Override
    public boolean fire(Alert alert) {
        try {
            return db.inTransaction(connection -> recorded(connection, Sql.update(connection, "INSERT INTO alerts (" + COLUMNS
                    + ", firing_key) VALUES (?, ?, ?, 'FIRING', ?, ?, ?, ?, ?, ?, NULL, ?, ?)", List.of(alert.getId(),
                    alert.getRule(), alert.getSubject(), severity(alert.getSeverity()), alert.getSummary(), alert.getValue(),
                    alert.getThreshold(), alert.getUnit(), alert.getFireTime(), alert.getUpdateTime(), firingKey(alert))),
                    EventKind.EVENT_KIND_ALERT_FIRED, alert));
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                return false; // another instance recorded it first
            }
            throw e;
        }
    }

    @Override
    public boolean update(Alert changed, AlertSeverity expected) {
        return db.inTransaction(connection -> recorded(connection, Sql.update(connection, "UPDATE alerts SET severity = ?, summary = ?, "
                + "measured = ?, threshold = ?, update_time = ? WHERE id = ? AND firing_key IS NOT NULL AND severity = ?",
                List.of(severity(changed.getSeverity()), changed.getSummary(), changed.getValue(), changed.getThreshold(),
                        changed.getUpdateTime(), changed.getId(), severity(expected))), EventKind.EVENT_KIND_ALERT_UPDATED, changed));
    }

    @Override
    public boolean resolve(Alert resolved) {
        return db.inTransaction(connection -> recorded(connection, Sql.update(connection, "UPDATE alerts SET state = 'RESOLVED', "
                + "firing_key = NULL, summary = ?, measured = ?, resolve_time = ?, update_time = ? "
                + "WHERE id = ? AND firing_key IS NOT NULL", List.of(resolved.getSummary(), resolved.getValue(),
                resolved.getResolveTime(), resolved.getUpdateTime(), resolved.getId())), EventKind.EVENT_KIND_ALERT_RESOLVED, resolved));
    }

    /** Records the change's event when this caller made the change (one row written); returns whether it did. */
    private boolean recorded(java.sql.Connection connection, int rows, EventKind kind, Alert alert) throws SQLException {
        if (rows != 1) {
            return false;
        }
        outbox.append(connection, AlertEvents.of(kind, alert));
        return true;
    }

    @Override
    public int prune(String rule, String subject, int keep) {
        return db.inTransaction(connection -> Sql.update(connection, "DELETE FROM alerts WHERE rule = ? AND subject = ? "
                + "AND firing_key IS NULL AND id NOT IN (SELECT id FROM alerts WHERE rule = ? AND subject = ? "
                + "ORDER BY fire_time DESC, id DESC LIMIT ?)", List.of(rule, subject, rule, subject, keep)));
    }

    @Override
    public List<Alert> list(Query query, int limit) {
        Sql.Where where = Sql.where()
                .eq("state", switch (query.state()) {
                    case ALERT_STATE_UNSPECIFIED -> null;
                    case ALERT_STATE_FIRING -> "FIRING";
                    default -> "RESOLVED";
                })
                .eq("rule", query.rule())
                .eq("severity", query.severity() == AlertSeverity.ALERT_SEVERITY_UNSPECIFIED ? null : severity(query.severity()));
        if (query.after() != null) {
            where.beforeKey("fire_time", "id", query.after().fireTime(), query.after().id());
        }
        return db.read(connection -> Sql.list(connection,
                "SELECT " + COLUMNS + " FROM alerts" + where.clause() + " ORDER BY fire_time DESC, id DESC LIMIT ?",
                where.params(limit), JdbcAlertStore::alert));
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
                .setFireTime(Times.timestamp(row, "fire_time"))
                .setUpdateTime(Times.timestamp(row, "update_time"));
        Times.optionalTimestamp(row, "resolve_time").ifPresent(alert::setResolveTime);
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
