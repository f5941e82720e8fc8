package com.finehero.server.documents;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.Snippet;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default and PostgreSQL find the same documents in one generated corpus, with the same
 * snippets, for every kind of clause.
 */
class SearchAgreementTest {

    static final int CORPUS = 400;
    static final String[] WORDS = {"parking", "meter", "zone", "bus", "tow", "vehicle", "permit", "street", "sign",
            "hydrant", "curb", "loading", "residential", "commercial", "appeal", "hearing", "citation", "fine",
            "penalty", "notice", "driver", "owner", "registration", "plate", "speed", "camera", "school", "crosswalk",
            "disabled", "placard", "overtime", "sweeping", "holiday", "weekend", "night", "evidence", "photo",
            "ordinance", "statute", "section", "municipal", "code", "court", "judge", "dismissed", "upheld",
            "règlement", "stationnement", "straße", "halteverbot"};

    @RegisterExtension
    static final FineHeroExtension H2 = FineHeroExtension.on(Backend.H2);
    @RegisterExtension
    static final FineHeroExtension POSTGRES = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @BeforeAll
    static void loadTheSameCorpusIntoBoth() {
        Random random = new Random(20261123);
        List<Document> corpus = new ArrayList<>();
        for (int i = 0; i < CORPUS; i++) {
            StringBuilder content = new StringBuilder();
            int length = 20 + random.nextInt(200);
            for (int w = 0; w < length; w++) {
                // a skewed choice, so some words are common and others rare
                int index = (int) Math.floor(Math.pow(random.nextDouble(), 2) * WORDS.length);
                content.append(w % 12 == 0 ? capitalise(WORDS[index]) : WORDS[index]).append(w % 9 == 8 ? ". " : " ");
            }
            String title = String.format("Doc %03d %s %s", i, WORDS[random.nextInt(WORDS.length)], WORDS[random.nextInt(WORDS.length)]);
            corpus.add(Document.newBuilder().setTitle(title)
                    .setKind(DocumentKind.forNumber(1 + random.nextInt(6))).setJurisdiction("AGREE")
                    .setContent(content.toString()).build());
        }
        for (FineHeroExtension app : List.of(H2, POSTGRES)) {
            var documents = DocumentsServiceGrpc.newBlockingStub(app.channel());
            corpus.forEach(d -> documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(d).build()));
        }
    }

    private static String capitalise(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /**
     * The two engines rank differently (PostgreSQL's cover density against the embedded engine's BM25;
     * docs/search.md), so what must agree is what matches: the count, the matching documents when they
     * fit in one page, and the snippet of a document found by both. Ranking quality is the judged
     * query set's (JudgedSearchTest).
     */
    @ParameterizedTest
    @ValueSource(strings = {"parking", "hydrant curb", "\"parking meter\"", "tow*", "appeal hearing judge",
            "reglement", "STRASSE", "straße", "placard disabled", "sweep*", "\"bus zone\" fine", "evidence photo camera",
            "dismissed", "code section", "night"})
    void bothDatabasesMatchTheSame(String query) {
        SearchDocumentsResponse h2 = search(H2, query);
        SearchDocumentsResponse postgres = search(POSTGRES, query);

        assertThat(postgres.getTotalMatches()).as("matches for " + query).isEqualTo(h2.getTotalMatches());
        assertThat(h2.getTotalMatches()).as("the corpus has matches for " + query).isPositive();
        assertThat(postgres.getResultsCount()).isEqualTo(h2.getResultsCount());
        if (h2.getResultsCount() == h2.getTotalMatches()) {
            assertThat(titles(postgres)).as("documents matching " + query).isEqualTo(titles(h2));
        }
        Map<String, Snippet> h2Snippets = snippets(h2);
        snippets(postgres).forEach((title, snippet) -> {
            if (h2Snippets.containsKey(title)) {
                assertThat(snippet).isEqualTo(h2Snippets.get(title));
            }
        });
        for (SearchDocumentsResponse response : List.of(h2, postgres)) {
            for (int i = 1; i < response.getResultsCount(); i++) {
                assertThat(response.getResults(i).getScore()).as("best first").isLessThanOrEqualTo(response.getResults(i - 1).getScore());
            }
        }
    }

    @org.junit.jupiter.api.Test
    void postgresMatchesThroughTheGinIndex() throws java.sql.SQLException {
        String schema = POSTGRES.config().get("finehero.db.schema").asString().get();
        StringBuilder plan = new StringBuilder();
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute("SET search_path TO " + schema);
            statement.execute("SET enable_seqscan = off");
            try (java.sql.ResultSet rows = statement.executeQuery(
                    "EXPLAIN SELECT id FROM documents d WHERE d.search_vector @@ to_tsquery('simple', 'parking & tow:*')")) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }
        assertThat(plan.toString()).contains("documents_search");
    }

    private static Set<String> titles(SearchDocumentsResponse response) {
        Set<String> titles = new TreeSet<>();
        response.getResultsList().forEach(r -> titles.add(r.getDocument().getTitle()));
        return titles;
    }

    private static Map<String, Snippet> snippets(SearchDocumentsResponse response) {
        Map<String, Snippet> snippets = new HashMap<>();
        response.getResultsList().forEach(r -> snippets.put(r.getDocument().getTitle(), r.getSnippet()));
        return snippets;
    }

    private static SearchDocumentsResponse search(FineHeroExtension app, String query) {
        SearchDocumentsResponse response = DocumentsServiceGrpc.newBlockingStub(app.channel()).searchDocuments(
                SearchDocumentsRequest.newBuilder().setQuery(query).setJurisdiction("AGREE").setPageSize(50).build());
        return response;
    }

}
