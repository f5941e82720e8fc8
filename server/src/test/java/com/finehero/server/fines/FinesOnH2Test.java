package com.finehero.server.fines;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestPaymentProvider;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fines contract on the embedded default: H2 and the in-process cache. */
class FinesOnH2Test extends FinesContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = TestPaymentProvider.configure(FineHeroExtension.on(Backend.H2));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
