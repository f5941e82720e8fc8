package com.finehero.server.fines;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class GeneratedDocumentsOnPostgresTest extends GeneratedDocumentsContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.documents.max-bytes", Integer.toString(MAX_BYTES));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
