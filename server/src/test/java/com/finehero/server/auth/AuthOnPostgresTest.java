package com.finehero.server.auth;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class AuthOnPostgresTest extends AuthFlowContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
