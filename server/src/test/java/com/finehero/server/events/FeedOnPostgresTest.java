package com.finehero.server.events;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The feed's ordering, gaps and overflow on Postgres. */
class FeedOnPostgresTest extends FeedContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = configured(FineHeroExtension.on(Backend.POSTGRES_REDIS));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
