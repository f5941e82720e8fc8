package com.finehero.server.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.retention.AppendOnlyTable;
import com.finehero.server.platform.security.AuditStore;

/**
 * {@link AuditStore} in the {@code audit_events} table, which auth owns along with ListAuditEvents;
 * the same SQL on PostgreSQL and H2.
 */
final class JdbcAuditStore implements AuditStore {

    /**
     * The audit log as retention sees it: month partitions on PostgreSQL, since events are kept for
     * more than a year and ListAuditEvents, ordered by id, visits every partition; two months are
     * created ahead, so a month of failed retention passes never sends events into the default partition.
     */
    static final AppendOnlyTable TABLE = new AppendOnlyTable("audit_events", "event_time", AppendOnlyTable.Slice.MONTH, 2);

    private static final String INSERT = "INSERT INTO audit_events (event_time, principal_id, principal_name, credential, "
            + "method, resource, peer, protocol, outcome, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String AMEND = "UPDATE audit_events SET resource = ?, outcome = ? WHERE id = ?";
    private static final String SELECT = "SELECT id, event_time, principal_id, principal_name, credential, method, resource, "
            + "peer, protocol, outcome, request_id FROM audit_events";

    private final Database db;

    public JdbcAuditStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public void write(List<Event> batch) {
        db.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT);
                 PreparedStatement amend = connection.prepareStatement(AMEND)) {
                boolean inserts = false;
                boolean amends = false;
                for (Event e : batch) {
                    if (e.id() == 0) {
                        Sql.bind(insert, values(e));
                        insert.addBatch();
                        inserts = true;
                    } else {
                        Sql.bind(amend, Arrays.asList(e.resource(), e.outcome(), e.id()));
                        amend.addBatch();
                        amends = true;
                    }
                }
                if (inserts) {
                    insert.executeBatch();
                }
                if (amends) {
                    amend.executeBatch();
                }
                return null;
            }
        });
    }

    @Override
    public long insert(Connection connection, Event event) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT, new String[] {"id"})) {
            Sql.bind(insert, values(event));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    private static List<Object> values(Event e) {
        return Arrays.asList(e.time(), e.principalId(), e.principalName(), e.credential(), e.method(),
                e.resource(), e.peer(), e.protocol(), e.outcome(), e.requestId());
    }

    @Override
    public List<Event> list(Query query) {
        Sql.Where where = Sql.where().and("id < ?", query.beforeId()).eq("principal_id", query.principalId());
        if (query.method().contains("/")) {
            where.and("method = ?", query.method());
        } else if (!query.method().isEmpty()) {
            where.and("method LIKE ?", "%/" + query.method().replace("%", "").replace("_", "\\_"));
        }
        return db.readReplica(connection -> Sql.list(connection, SELECT + where.clause() + " ORDER BY id DESC LIMIT ?",
                where.params(query.limit()), JdbcAuditStore::event));
    }

    private static Event event(ResultSet rows) throws SQLException {
        return new Event(rows.getLong("id"), rows.getObject("event_time", OffsetDateTime.class).toInstant(),
                rows.getString("principal_id"), rows.getString("principal_name"), rows.getString("credential"),
                rows.getString("method"), rows.getString("resource"), rows.getString("peer"), rows.getString("protocol"),
                rows.getString("outcome"), rows.getString("request_id"));
    }
}
