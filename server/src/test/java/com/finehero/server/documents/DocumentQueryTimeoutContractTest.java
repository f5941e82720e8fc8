package com.finehero.server.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.server.testing.FineHeroExtension;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A caller's search runs under {@code finehero.documents.query-timeout}: the subclasses set 1 ms, which
 * a ranked search over a few hundred long documents passes on both databases (H2 looks at the clock
 * every 128 rows or so, hence the number). One subclass per backend.
 */
abstract class DocumentQueryTimeoutContractTest {

    abstract FineHeroExtension app();

    @Test
    void aSearchPastTheStatementTimeoutIsUnavailableWithItsReason() {
        DocumentsServiceGrpc.DocumentsServiceBlockingStub documents = DocumentsServiceGrpc.newBlockingStub(app().channel());
        String jurisdiction = "QT-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        List<String> words = new ArrayList<>();
        IntStream.range(0, 250).forEach(i -> words.add("alpha" + i + " beta" + i + " gamma" + i + " delta" + i));
        String content = String.join(" ", words);
        Document first = null;
        for (int i = 0; i < 300; i++) {
            Document created = documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                    .setTitle("Long " + i).setKind(DocumentKind.DOCUMENT_KIND_GUIDE).setJurisdiction(jurisdiction)
                    .setContent(content)).build());
            first = first == null ? created : first;
        }
        StatusRuntimeException e = failure(Code.UNAVAILABLE, () -> documents.searchDocuments(SearchDocumentsRequest.newBuilder()
                .setQuery("al* be* ga* de*").setPageSize(50).build()));
        assertThat(reason(e)).isEqualTo("QUERY_TIMEOUT");
        assertThat(e.getStatus().getDescription()).contains("finehero.documents.query-timeout");
        // the connection went back to the pool without the bound: an ordinary read still works
        GetDocumentRequest get = GetDocumentRequest.newBuilder().setDocumentId(first.getId()).build();
        for (int i = 0; i < 20; i++) {
            assertThat(documents.getDocument(get).getTitle()).isEqualTo("Long 0");
        }
    }
}
