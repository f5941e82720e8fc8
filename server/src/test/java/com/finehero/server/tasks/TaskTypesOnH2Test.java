package com.finehero.server.tasks;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The task types end to end on H2. */
class TaskTypesOnH2Test extends TaskTypesContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
