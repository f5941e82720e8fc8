package com.finehero.server.auth;

import com.finehero.server.testing.Backend;

/** ListAuditEvents' queries on H2's plain audit table. */
class AuditQueriesOnH2Test extends AuditQueriesContractTest {

    @Override
    Backend backend() {
        return Backend.H2;
    }
}
