package com.finehero.server.fines;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class FineAnalyticsOnPostgresTest extends FineAnalyticsContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
