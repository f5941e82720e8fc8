package com.finehero.server.documents;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class DocumentQueryTimeoutOnPostgresTest extends DocumentQueryTimeoutContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.documents.query-timeout", "PT0.001S")
            .with("finehero.documents.max-bytes", "1048576");

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
