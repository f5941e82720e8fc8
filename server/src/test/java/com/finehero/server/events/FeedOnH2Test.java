package com.finehero.server.events;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The feed's ordering, gaps and overflow on H2. */
class FeedOnH2Test extends FeedContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = configured(FineHeroExtension.on(Backend.H2));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
