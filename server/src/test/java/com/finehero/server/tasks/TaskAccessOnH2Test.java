package com.finehero.server.tasks;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Task access by type, role and ownership on H2. */
class TaskAccessOnH2Test extends TaskAccessContractTest {

    // alert_webhook is registered only with a webhook; nothing is delivered, as no alert fires here
    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.monitoring.alerts.webhook.url", "http://127.0.0.1:9/hook");

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
