package com.finehero.server.tasks;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tasks contract on Postgres. */
class TasksOnPostgresTest extends TasksContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
