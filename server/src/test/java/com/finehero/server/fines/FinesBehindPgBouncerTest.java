package com.finehero.server.fines;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.OwnPgBouncer;
import com.finehero.server.testing.TestPaymentProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fines contract with the pool behind PgBouncer in transaction mode (finehero.db.pooler). */
@Tag("scaleout")
class FinesBehindPgBouncerTest extends FinesContractTest {

    static final OwnPgBouncer BOUNCER = OwnPgBouncer.inFrontOf(Backend.pgUrl(), Backend.pgUser(), 3);

    @RegisterExtension
    static final FineHeroExtension APP = BOUNCER.configure(TestPaymentProvider.configure(FineHeroExtension.on(Backend.POSTGRES_REDIS)));

    @AfterAll
    static void stopBouncer() {
        BOUNCER.close();
    }

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
