package com.finehero.server.tasks;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tasks contract on H2. */
class TasksOnH2Test extends TasksContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
