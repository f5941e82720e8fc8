package com.finehero.server.documents;

import java.util.List;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.DeleteDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.UpdateDocumentRequest;
import com.finehero.api.monitoring.v1.GetCacheStatsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.FieldMask;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A document write drops only the cached searches it can change, in the in-process cache (H2, no Redis)
 * and in Redis (PostgreSQL + Redis): a write of other words, or of the same words in another
 * jurisdiction than the search asked for, keeps the page; a write that adds, changes or removes a
 * matching document drops it. Whether a search was served from the cache is read from the cache's
 * load counter.
 */
class SearchCacheInvalidationTest {

    @RegisterExtension
    static final FineHeroExtension H2 = FineHeroExtension.on(Backend.H2);
    @RegisterExtension
    static final FineHeroExtension POSTGRES = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    private static FineHeroExtension app(Backend backend) {
        return backend == Backend.H2 ? H2 : POSTGRES;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anUnrelatedWriteKeepsACachedSearchAndARelatedOneDropsIt(Backend backend) {
        FineHeroExtension app = app(backend);
        var documents = DocumentsServiceGrpc.newBlockingStub(app.channel());
        create(documents, "Meter rules", "CACHE-J", "hydrant clearance applies to every curb");
        SearchDocumentsRequest search = SearchDocumentsRequest.newBuilder().setQuery("hydrant").setJurisdiction("CACHE-J").build();
        assertThat(titles(documents.searchDocuments(search))).containsExactly("Meter rules");
        long loads = searchLoads(app);
        assertThat(titles(documents.searchDocuments(search))).containsExactly("Meter rules");
        assertThat(searchLoads(app)).as("the second search is served from the cache").isEqualTo(loads);

        // other words in the same jurisdiction, and the same word in another one
        Document unrelated = create(documents, "Speeding", "CACHE-J", "speeding on highways doubles the penalty");
        create(documents, "Elsewhere", "CACHE-K", "hydrant rules of another city");
        assertThat(titles(documents.searchDocuments(search))).containsExactly("Meter rules");
        assertThat(searchLoads(app)).as("unrelated writes keep the cached search").isEqualTo(loads);

        // a new matching document
        create(documents, "Hydrant guide", "CACHE-J", "a hydrant needs five metres");
        assertThat(titles(documents.searchDocuments(search))).containsExactlyInAnyOrder("Meter rules", "Hydrant guide");
        assertThat(searchLoads(app)).isEqualTo(loads + 1);

        // an unrelated document changed so that it matches
        documents.updateDocument(UpdateDocumentRequest.newBuilder()
                .setDocument(Document.newBuilder().setId(unrelated.getId()).setVersion(1).setContent("speeding near a hydrant"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build());
        assertThat(titles(documents.searchDocuments(search))).containsExactlyInAnyOrder("Meter rules", "Hydrant guide", "Speeding");
        assertThat(searchLoads(app)).isEqualTo(loads + 2);

        // ... and changed back: it no longer matches, which only its old text says
        documents.updateDocument(UpdateDocumentRequest.newBuilder()
                .setDocument(Document.newBuilder().setId(unrelated.getId()).setVersion(2).setContent("speeding on highways"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build());
        assertThat(titles(documents.searchDocuments(search))).containsExactlyInAnyOrder("Meter rules", "Hydrant guide");

        // a search without a jurisdiction depends on every jurisdiction's writes
        SearchDocumentsRequest everywhere = search.toBuilder().clearJurisdiction().build();
        assertThat(titles(documents.searchDocuments(everywhere))).contains("Elsewhere");
        Document other = create(documents, "Hydrant K", "CACHE-K", "another hydrant");
        assertThat(titles(documents.searchDocuments(everywhere))).contains("Hydrant K");

        // a prefix-only search depends on the first letter of its prefix
        SearchDocumentsRequest prefix = SearchDocumentsRequest.newBuilder().setQuery("hydr*").setJurisdiction("CACHE-K").build();
        assertThat(titles(documents.searchDocuments(prefix))).containsExactlyInAnyOrder("Elsewhere", "Hydrant K");
        long prefixLoads = searchLoads(app);
        create(documents, "Quiet", "CACHE-K", "quiet zones");
        assertThat(titles(documents.searchDocuments(prefix))).hasSize(2);
        assertThat(searchLoads(app)).as("words of other first letters keep a prefix search").isEqualTo(prefixLoads);
        documents.deleteDocument(DeleteDocumentRequest.newBuilder().setDocumentId(other.getId()).build());
        assertThat(titles(documents.searchDocuments(prefix))).containsExactly("Elsewhere");
    }

    private static Document create(DocumentsServiceGrpc.DocumentsServiceBlockingStub documents, String title, String jurisdiction,
                                   String content) {
        return documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder().setTitle(title)
                .setKind(DocumentKind.DOCUMENT_KIND_GUIDE).setJurisdiction(jurisdiction).setContent(content)).build());
    }

    private static List<String> titles(SearchDocumentsResponse response) {
        return response.getResultsList().stream().map(r -> r.getDocument().getTitle()).toList();
    }

    private static long searchLoads(FineHeroExtension app) {
        return MonitoringServiceGrpc.newBlockingStub(app.channel()).getCacheStats(GetCacheStatsRequest.getDefaultInstance())
                .getCachesList().stream().filter(c -> c.getName().equals("search")).findFirst().orElseThrow().getLoads();
    }
}
