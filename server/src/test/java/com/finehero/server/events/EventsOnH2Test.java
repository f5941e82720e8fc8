package com.finehero.server.events;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The event feed contract on H2. */
class EventsOnH2Test extends EventsContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = configured(FineHeroExtension.on(Backend.H2));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
