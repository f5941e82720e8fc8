package com.finehero.server.fines;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.finehero.api.fines.v1.Fine;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;

/**
 * The alternative to {@link DbClientFineStore}, also for measuring only: {@link JdbcFineStore}'s
 * {@link #find} and {@link #list} as they read on the plain-JDBC helper {@link Sql}, the same statements
 * through the same {@link Database}. The other methods are not ported.
 */
public final class SqlFineStore extends FindAndListOnly {

    private final Database db;

    public SqlFineStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public Optional<Fine> find(String id) {
        return db.read(connection -> Sql.one(connection, FineMapper.SELECT + " WHERE f.id = ?", List.of(id), FineMapper::fine));
    }

    @Override
    public List<Fine> list(FineQuery query, int limit) {
        requireUnscoped(query);
        Sql.Where where = Sql.where()
                .in("f.status", query.statuses().stream().map(FineRules::name).toList())
                .eq("f.jurisdiction", query.jurisdiction())
                .atLeast("f.due_time", query.dueAfter())
                .below("f.due_time", query.dueBefore())
                .eq("f.vehicle_plate", query.vehiclePlate())
                .eq("f.owner_id", query.ownerId());
        if (query.after() != null) {
            where.beforeKey("f.create_time", "f.id", query.after().createTime(), query.after().id());
        }
        String sql = FineMapper.SELECT + where.clause() + " ORDER BY f.create_time DESC, f.id DESC LIMIT ?";
        return db.read(connection -> Sql.list(connection, sql, where.params(limit), FineMapper::fine));
    }
}
