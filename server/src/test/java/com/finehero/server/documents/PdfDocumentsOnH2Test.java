package com.finehero.server.documents;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class PdfDocumentsOnH2Test extends PdfDocumentsContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.documents.max-upload-bytes", Integer.toString(MAX_UPLOAD_BYTES))
            .with("finehero.documents.pdf.max-pages", Integer.toString(MAX_PAGES));

    @Override
    FineHeroExtension app() {
        return APP;
    }
}
