package com.finehero.server.auth;

import java.util.List;

import com.finehero.server.platform.db.Sql;
import com.finehero.server.testing.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** ListAuditEvents' queries on PostgreSQL's month-partitioned audit table. */
class AuditQueriesOnPostgresTest extends AuditQueriesContractTest {

    @Override
    Backend backend() {
        return Backend.POSTGRES_REDIS;
    }

    @Test
    void theEventsAreSpreadOverMonthPartitionsWithNoneInTheDefault() {
        List<String> partitions = db.read(connection -> Sql.list(connection, "SELECT DISTINCT tableoid::regclass::text FROM audit_events",
                List.of(), row -> row.getString(1)));
        assertThat(partitions).hasSizeGreaterThanOrEqualTo(13).allMatch(p -> p.matches("audit_events_p\\d{6}"));
    }
}
