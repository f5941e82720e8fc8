package com.finehero.server.fines;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestPaymentProvider;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fines contract in production mode: PostgreSQL and Redis. */
class FinesOnPostgresTest extends FinesContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = TestPaymentProvider.configure(FineHeroExtension.on(Backend.POSTGRES_REDIS));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
