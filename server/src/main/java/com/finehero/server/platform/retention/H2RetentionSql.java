package com.finehero.server.platform.retention;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.finehero.server.platform.db.Sql;

/** H2 keeps plain tables (an embedded database is small and belongs to one instance): expired rows are deleted. */
final class H2RetentionSql implements RetentionSql {

    @Override
    public Upkeep keep(Connection connection, AppendOnlyTable table, Duration retention, Instant now) throws SQLException {
        long deleted = Transactions.run(connection, () -> Sql.update(connection,
                "DELETE FROM " + table.name() + " WHERE " + table.timeColumn() + " < ?", List.of(now.minus(retention))));
        return new Upkeep(table.name(), List.of(), List.of(), deleted, 0, false);
    }
}
