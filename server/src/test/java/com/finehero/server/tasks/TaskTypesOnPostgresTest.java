package com.finehero.server.tasks;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The task types end to end on Postgres. */
class TaskTypesOnPostgresTest extends TaskTypesContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
