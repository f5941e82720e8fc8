package com.finehero.server.events;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The event feed contract on PostgreSQL and Redis. */
class EventsOnPostgresTest extends EventsContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = configured(FineHeroExtension.on(Backend.POSTGRES_REDIS));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
