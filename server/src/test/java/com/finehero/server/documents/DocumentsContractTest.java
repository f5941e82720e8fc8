package com.finehero.server.documents;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.DeleteDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.DownloadDocumentRequest;
import com.finehero.api.documents.v1.DownloadDocumentResponse;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.Highlight;
import com.finehero.api.documents.v1.ListDocumentVersionsRequest;
import com.finehero.api.documents.v1.ListDocumentsRequest;
import com.finehero.api.documents.v1.ListDocumentsResponse;
import com.finehero.api.documents.v1.RestoreDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.SearchResult;
import com.finehero.api.documents.v1.UpdateDocumentRequest;
import com.finehero.api.documents.v1.UploadDocumentRequest;
import com.finehero.api.documents.v1.UploadHeader;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.finehero.server.testing.SingleResponse;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;
import static com.finehero.api.documents.v1.Visibility.VISIBILITY_PRIVATE;
import static com.finehero.api.documents.v1.Visibility.VISIBILITY_PUBLIC;

/** What a client of DocumentsService can rely on; run on H2 and on PostgreSQL + Redis. */
abstract class DocumentsContractTest {

    /** The content limit the subclasses configure, small enough to test. */
    static final int MAX_BYTES = 8192;

    abstract FineHeroExtension app();

    DocumentsServiceGrpc.DocumentsServiceBlockingStub documents;
    /** Each test's own jurisdiction keeps its documents apart from the others'. */
    String jurisdiction;

    @BeforeEach
    void setUp() {
        documents = DocumentsServiceGrpc.newBlockingStub(app().channel());
        jurisdiction = "D-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }

    Document create(String title, DocumentKind kind, String content, String... tags) {
        return documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                .setTitle(title).setKind(kind).setJurisdiction(jurisdiction).setContent(content)
                .setContentType("text/markdown").addAllTags(List.of(tags)).setAuthor("clerk")).build());
    }

    Document get(String id) {
        return documents.getDocument(GetDocumentRequest.newBuilder().setDocumentId(id).build());
    }

    SearchDocumentsResponse search(String query) {
        return documents.searchDocuments(SearchDocumentsRequest.newBuilder().setQuery(query).setJurisdiction(jurisdiction).build());
    }

    static List<String> titles(SearchDocumentsResponse response) {
        return response.getResultsList().stream().map(r -> r.getDocument().getTitle()).toList();
    }

    @Nested
    class Basics {
        @Test
        void createdDocumentHasVersionSizeAndChecksum() {
            Document document = create("Parking Code §7", DocumentKind.DOCUMENT_KIND_STATUTE, "Héllo <b>world</b>", "parking");
            assertThat(document.getVersion()).isEqualTo(1);
            assertThat(document.getSizeBytes()).isEqualTo("Héllo <b>world</b>".getBytes(StandardCharsets.UTF_8).length);
            assertThat(document.getChecksumSha256()).isEqualTo(DocumentRules.sha256("Héllo <b>world</b>".getBytes(StandardCharsets.UTF_8)));
            assertThat(document.getJurisdiction()).isEqualTo(jurisdiction);
            assertThat(get(document.getId())).isEqualTo(document);
            assertThat(get(document.getId()).getContent()).as("content is stored as given").isEqualTo("Héllo <b>world</b>");
        }

        @Test
        void invalidFieldsAreNamed() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> documents.createDocument(CreateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setTitle("bad\u0007title").setKind(DocumentKind.DOCUMENT_KIND_GUIDE)
                            .addTags("Not A Tag").setContentType("application/msword")).build()));
            assertThat(violatedFields(e)).contains("document.title", "document.tags[0]", "document.content_type");
            StatusRuntimeException missing = failure(Code.INVALID_ARGUMENT, () -> documents.createDocument(
                    CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder().setContent("x")).build()));
            assertThat(missing.getStatus().getDescription()).contains("document.title is required").contains("document.kind is required");
        }

        @Test
        void contentOverTheLimitIsRefusedWithTheLimit() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT,
                    () -> create("Big", DocumentKind.DOCUMENT_KIND_OTHER, "x".repeat(MAX_BYTES + 1)));
            assertThat(e.getStatus().getDescription()).contains(Integer.toString(MAX_BYTES));
        }

        @Test
        void unknownIdIsNotFound() {
            failure(Code.NOT_FOUND, () -> get(UUID.randomUUID().toString()));
        }
    }

    @Nested
    class Versions {
        @Test
        void updateKeepsThePreviousVersion() {
            Document v1 = create("Guide", DocumentKind.DOCUMENT_KIND_GUIDE, "first text");
            Document v2 = documents.updateDocument(UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(v1.getId()).setVersion(1).setContent("second text"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build());
            assertThat(v2.getVersion()).isEqualTo(2);
            assertThat(v2.getChecksumSha256()).isNotEqualTo(v1.getChecksumSha256());
            assertThat(get(v1.getId()).getContent()).isEqualTo("second text");
            assertThat(documents.getDocument(GetDocumentRequest.newBuilder().setDocumentId(v1.getId()).setVersion(1).build()))
                    .isEqualTo(v1);
            assertThat(documents.listDocumentVersions(ListDocumentVersionsRequest.newBuilder().setDocumentId(v1.getId()).build())
                    .getVersionsList()).extracting(Document::getVersion).containsExactly(2L, 1L);
            failure(Code.NOT_FOUND, () -> documents.getDocument(GetDocumentRequest.newBuilder()
                    .setDocumentId(v1.getId()).setVersion(9).build()));
        }

        @Test
        void staleVersionIsAborted() {
            Document v1 = create("Guide", DocumentKind.DOCUMENT_KIND_GUIDE, "text");
            UpdateDocumentRequest change = UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(v1.getId()).setVersion(1).setTitle("Renamed"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("title")).build();
            documents.updateDocument(change);
            failure(Code.ABORTED, () -> documents.updateDocument(change));
        }

        @Test
        void versionsPage() {
            Document document = create("Paged", DocumentKind.DOCUMENT_KIND_GUIDE, "v1");
            for (int v = 1; v < 5; v++) {
                documents.updateDocument(UpdateDocumentRequest.newBuilder()
                        .setDocument(Document.newBuilder().setId(document.getId()).setVersion(v).setContent("v" + (v + 1)))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build());
            }
            var first = documents.listDocumentVersions(ListDocumentVersionsRequest.newBuilder()
                    .setDocumentId(document.getId()).setPageSize(3).build());
            var second = documents.listDocumentVersions(ListDocumentVersionsRequest.newBuilder()
                    .setDocumentId(document.getId()).setPageSize(3).setPageToken(first.getNextPageToken()).build());
            assertThat(first.getVersionsList()).extracting(Document::getVersion).containsExactly(5L, 4L, 3L);
            assertThat(second.getVersionsList()).extracting(Document::getVersion).containsExactly(2L, 1L);
            assertThat(second.getNextPageToken()).isEmpty();
        }
    }

    @Nested
    class DeleteAndRestore {
        @Test
        void deletedDocumentIsHiddenEverywhereUntilRestored() {
            Document document = create("Obsolete ordinance", DocumentKind.DOCUMENT_KIND_REGULATION, "meters run until nine");
            assertThat(titles(search("ordinance"))).containsExactly("Obsolete ordinance");

            documents.deleteDocument(DeleteDocumentRequest.newBuilder().setDocumentId(document.getId()).build());
            failure(Code.NOT_FOUND, () -> get(document.getId()));
            assertThat(search("ordinance").getResultsList()).isEmpty();
            failure(Code.NOT_FOUND, () -> documents.deleteDocument(DeleteDocumentRequest.newBuilder().setDocumentId(document.getId()).build()));

            Document restored = documents.restoreDocument(RestoreDocumentRequest.newBuilder().setDocumentId(document.getId()).build());
            assertThat(restored).isEqualTo(document);
            assertThat(get(document.getId())).isEqualTo(document);
            assertThat(titles(search("ordinance"))).containsExactly("Obsolete ordinance");
            failure(Code.FAILED_PRECONDITION, () -> documents.restoreDocument(RestoreDocumentRequest.newBuilder()
                    .setDocumentId(document.getId()).build()));
        }
    }

    @Nested
    class Listing {
        @Test
        void filtersAndPages() {
            create("A", DocumentKind.DOCUMENT_KIND_STATUTE, "a", "parking");
            create("B", DocumentKind.DOCUMENT_KIND_PRECEDENT, "b", "parking", "appeal");
            create("C", DocumentKind.DOCUMENT_KIND_PRECEDENT, "c", "speeding");
            ListDocumentsResponse precedents = documents.listDocuments(ListDocumentsRequest.newBuilder()
                    .setJurisdiction(jurisdiction).setKind(DocumentKind.DOCUMENT_KIND_PRECEDENT).build());
            assertThat(precedents.getDocumentsList()).extracting(Document::getTitle).containsExactlyInAnyOrder("B", "C");
            assertThat(precedents.getDocuments(0).getContent()).as("lists carry no content").isEmpty();
            assertThat(documents.listDocuments(ListDocumentsRequest.newBuilder().setJurisdiction(jurisdiction)
                    .setTag("parking").build()).getDocumentsList()).extracting(Document::getTitle).containsExactlyInAnyOrder("A", "B");

            List<String> paged = new ArrayList<>();
            String token = "";
            do {
                ListDocumentsResponse page = documents.listDocuments(ListDocumentsRequest.newBuilder()
                        .setJurisdiction(jurisdiction).setPageSize(2).setPageToken(token).build());
                page.getDocumentsList().forEach(d -> paged.add(d.getTitle()));
                token = page.getNextPageToken();
            } while (!token.isEmpty());
            assertThat(paged).containsExactlyInAnyOrder("A", "B", "C").hasSize(3);
        }

        @Test
        void newDocumentAppearsInACachedListAtOnce() {
            create("First", DocumentKind.DOCUMENT_KIND_GUIDE, "x");
            ListDocumentsRequest request = ListDocumentsRequest.newBuilder().setJurisdiction(jurisdiction).build();
            assertThat(documents.listDocuments(request).getDocumentsCount()).isEqualTo(1);
            create("Second", DocumentKind.DOCUMENT_KIND_GUIDE, "y");
            assertThat(documents.listDocuments(request).getDocumentsCount()).isEqualTo(2);
        }
    }

    @Nested
    class Streaming {
        @Test
        void uploadInChunksWithChecksumThenDownloadInChunks() throws Exception {
            String content = "Section 1. ".repeat(400) + "Ünïcode end";
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            Document uploaded = upload(UploadHeader.newBuilder()
                    .setDocument(Document.newBuilder().setTitle("Uploaded").setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                            .setJurisdiction(jurisdiction))
                    .setChecksumSha256(DocumentRules.sha256(bytes)).build(), bytes, 1000).join();
            assertThat(uploaded.getSizeBytes()).isEqualTo(bytes.length);
            assertThat(get(uploaded.getId()).getContent()).isEqualTo(content);

            Iterator<DownloadDocumentResponse> chunks = documents.downloadDocument(DownloadDocumentRequest.newBuilder()
                    .setDocumentId(uploaded.getId()).setChunkSize(700).build());
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            int count = 0;
            Document first = null;
            while (chunks.hasNext()) {
                DownloadDocumentResponse chunk = chunks.next();
                if (count++ == 0) {
                    first = chunk.getDocument();
                }
                received.writeBytes(chunk.getChunk().toByteArray());
            }
            assertThat(count).isEqualTo((bytes.length + 699) / 700);
            assertThat(first.getTitle()).isEqualTo("Uploaded");
            assertThat(received.toByteArray()).isEqualTo(bytes);
        }

        @Test
        void uploadWithWrongChecksumStoresNothing() {
            byte[] bytes = "some text".getBytes(StandardCharsets.UTF_8);
            var result = upload(UploadHeader.newBuilder()
                    .setDocument(Document.newBuilder().setTitle("Wrong sum").setKind(DocumentKind.DOCUMENT_KIND_OTHER)
                            .setJurisdiction(jurisdiction))
                    .setChecksumSha256("0".repeat(64)).build(), bytes, 4);
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> result.join());
            assertThat(violatedFields(e)).containsExactly("header.checksum_sha256");
            assertThat(documents.listDocuments(ListDocumentsRequest.newBuilder().setJurisdiction(jurisdiction).build())
                    .getDocumentsList()).isEmpty();
        }

        @Test
        void oversizedUploadNamesTheLimit() {
            var result = upload(UploadHeader.newBuilder()
                    .setDocument(Document.newBuilder().setTitle("Huge").setKind(DocumentKind.DOCUMENT_KIND_OTHER)).build(),
                    new byte[MAX_BYTES + 10], 1000);
            StatusRuntimeException e = failure(Code.RESOURCE_EXHAUSTED, () -> result.join());
            assertThat(e.getStatus().getDescription()).contains(Integer.toString(MAX_BYTES), "finehero.documents.max-bytes");
        }

        @Test
        void uploadWithoutHeaderFirstIsInvalid() {
            SingleResponse<Document> result = new SingleResponse<>();
            StreamObserver<UploadDocumentRequest> stream = DocumentsServiceGrpc.newStub(app().channel())
                    .uploadDocument(result);
            stream.onNext(UploadDocumentRequest.newBuilder().setChunk(ByteString.copyFromUtf8("x")).build());
            stream.onCompleted();
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> result.join());
            assertThat(violatedFields(e)).containsExactly("header");
        }

        @Test
        void nonUtf8UploadIsInvalid() {
            var result = upload(UploadHeader.newBuilder()
                    .setDocument(Document.newBuilder().setTitle("Binary").setKind(DocumentKind.DOCUMENT_KIND_OTHER)).build(),
                    new byte[] {(byte) 0xff, (byte) 0xfe, 0x00}, 10);
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> result.join());
            assertThat(e.getStatus().getDescription()).contains("UTF-8");
        }

        private SingleResponse<Document> upload(UploadHeader header, byte[] bytes, int chunk) {
            SingleResponse<Document> result = new SingleResponse<>();
            StreamObserver<UploadDocumentRequest> stream = DocumentsServiceGrpc.newStub(app().channel())
                    .uploadDocument(result);
            stream.onNext(UploadDocumentRequest.newBuilder().setHeader(header).build());
            for (int offset = 0; offset < bytes.length; offset += chunk) {
                stream.onNext(UploadDocumentRequest.newBuilder()
                        .setChunk(ByteString.copyFrom(bytes, offset, Math.min(chunk, bytes.length - offset))).build());
            }
            stream.onCompleted();
            return result;
        }
    }

    @Nested
    class Search {
        @Test
        void titleMatchesRankAboveContentMatches() {
            create("Bus zone parking rules", DocumentKind.DOCUMENT_KIND_REGULATION, "Rules for zones.");
            create("General guide", DocumentKind.DOCUMENT_KIND_GUIDE, "Some text about parking near a bus stop.");
            create("Unrelated", DocumentKind.DOCUMENT_KIND_GUIDE, "Speeding on highways.");
            SearchDocumentsResponse results = search("parking");
            assertThat(titles(results)).containsExactly("Bus zone parking rules", "General guide");
            assertThat(results.getTotalMatches()).isEqualTo(2);
            assertThat(results.getResults(0).getScore()).isGreaterThan(results.getResults(1).getScore());
        }

        @Test
        void allWordsMustMatchIgnoringCaseAndAccents() {
            create("Règlement de stationnement", DocumentKind.DOCUMENT_KIND_REGULATION, "Le STATIONNEMENT est interdit.");
            create("Autre", DocumentKind.DOCUMENT_KIND_REGULATION, "reglement seulement");
            assertThat(titles(search("REGLEMENT stationnement"))).containsExactly("Règlement de stationnement");
        }

        @Test
        void phraseAndPrefixQueries() {
            create("Phrase", DocumentKind.DOCUMENT_KIND_GUIDE, "There was no parking sign at the corner.");
            create("Words apart", DocumentKind.DOCUMENT_KIND_GUIDE, "No sign said parking was allowed.");
            assertThat(titles(search("\"no parking\""))).containsExactly("Phrase");
            assertThat(titles(search("corn*"))).containsExactly("Phrase");
            assertThat(titles(search("sig* allow*"))).containsExactly("Words apart");
        }

        @Test
        void snippetMarksTheMatches() {
            create("Snippet", DocumentKind.DOCUMENT_KIND_GUIDE,
                    "Intro text. " + "Filler words here. ".repeat(20) + "The meter was BROKEN on Tuesday; broken meters void fines.");
            SearchResult result = search("broken").getResults(0);
            String text = result.getSnippet().getText();
            assertThat(result.getSnippet().getHighlightsList()).hasSize(2);
            for (Highlight highlight : result.getSnippet().getHighlightsList()) {
                assertThat(text.substring(highlight.getStart(), highlight.getEnd())).isEqualToIgnoringCase("broken");
            }
            assertThat(text).startsWith("…");
        }

        @Test
        void filtersAndPaging() {
            for (int i = 0; i < 5; i++) {
                create("Precedent " + i, DocumentKind.DOCUMENT_KIND_PRECEDENT, "appeal granted " + "appeal ".repeat(i), "appeal");
            }
            create("Statute", DocumentKind.DOCUMENT_KIND_STATUTE, "appeal procedure");
            SearchDocumentsRequest request = SearchDocumentsRequest.newBuilder().setQuery("appeal")
                    .setJurisdiction(jurisdiction).setKind(DocumentKind.DOCUMENT_KIND_PRECEDENT).addTags("appeal")
                    .setPageSize(2).build();
            List<String> seen = new ArrayList<>();
            SearchDocumentsResponse page = documents.searchDocuments(request);
            assertThat(page.getTotalMatches()).isEqualTo(5);
            seen.addAll(titles(page));
            while (!page.getNextPageToken().isEmpty()) {
                page = documents.searchDocuments(request.toBuilder().setPageToken(page.getNextPageToken()).build());
                seen.addAll(titles(page));
            }
            assertThat(seen).containsExactly("Precedent 4", "Precedent 3", "Precedent 2", "Precedent 1", "Precedent 0");
        }

        @Test
        void searchSeesAnUpdateAtOnce() {
            Document document = create("Tow-away", DocumentKind.DOCUMENT_KIND_REGULATION, "vehicles are towed");
            assertThat(titles(search("towed"))).containsExactly("Tow-away");
            documents.updateDocument(UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(document.getId()).setVersion(1).setContent("vehicles are booted"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build());
            assertThat(search("towed").getResultsList()).isEmpty();
            assertThat(titles(search("booted"))).containsExactly("Tow-away");
        }

        @Test
        void queryWithoutWordsIsInvalid() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> search("*** \"\" !!"));
            assertThat(violatedFields(e)).containsExactly("query");
        }
    }

    /** Owner and visibility: what each caller may read, filtered before paging. */
    @Nested
    class Visibility {

        Document createAs(DocumentsServiceGrpc.DocumentsServiceBlockingStub as, String title, com.finehero.api.documents.v1.Visibility visibility,
                          String content, String... tags) {
            return as.createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                    .setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_OTHER).setJurisdiction(jurisdiction).setContent(content)
                    .addAllTags(List.of(tags)).setVisibility(visibility)).build());
        }

        DocumentsServiceGrpc.DocumentsServiceBlockingStub as(Role role) {
            return DocumentsServiceGrpc.newBlockingStub(app().userWith(role).channel());
        }

        List<String> listed(DocumentsServiceGrpc.DocumentsServiceBlockingStub as, ListDocumentsRequest.Builder request) {
            return as.listDocuments(request.setJurisdiction(jurisdiction).build()).getDocumentsList().stream().map(Document::getTitle).toList();
        }

        @Test
        void aViewerReadsPublicDocumentsAndNoOtherOwnersPrivateOnes() throws Exception {
            Document statute = createAs(documents, "Public statute", VISIBILITY_PUBLIC, "parking rules apply");
            Document export = createAs(documents, "Private export", VISIBILITY_PRIVATE, "parking fines of everyone", "fines-export");
            assertThat(statute.getOwner()).isNotEmpty();
            assertThat(export.getOwner()).isEqualTo(statute.getOwner());
            // the admin reads first, so the document cache and the page caches hold the private document
            assertThat(get(export.getId()).getVisibility()).isEqualTo(VISIBILITY_PRIVATE);
            assertThat(listed(documents, ListDocumentsRequest.newBuilder())).containsExactlyInAnyOrder("Public statute", "Private export");
            assertThat(titles(search("parking"))).containsExactlyInAnyOrder("Public statute", "Private export");

            var viewer = as(Role.ROLE_VIEWER);
            assertThat(listed(viewer, ListDocumentsRequest.newBuilder().setTag("fines-export"))).isEmpty();
            assertThat(listed(viewer, ListDocumentsRequest.newBuilder())).containsExactly("Public statute");
            SearchDocumentsResponse found = viewer.searchDocuments(SearchDocumentsRequest.newBuilder().setQuery("parking")
                    .setJurisdiction(jurisdiction).build());
            assertThat(titles(found)).containsExactly("Public statute");
            assertThat(found.getTotalMatches()).isEqualTo(1);
            assertThat(viewer.getDocument(GetDocumentRequest.newBuilder().setDocumentId(statute.getId()).build()).getContent())
                    .isEqualTo("parking rules apply");
            failure(Code.NOT_FOUND, () -> viewer.getDocument(GetDocumentRequest.newBuilder().setDocumentId(export.getId()).build()));
            failure(Code.NOT_FOUND, () -> viewer.getDocument(GetDocumentRequest.newBuilder().setDocumentId(export.getId()).setVersion(1).build()));
            failure(Code.NOT_FOUND, () -> viewer.downloadDocument(DownloadDocumentRequest.newBuilder().setDocumentId(export.getId()).build())
                    .forEachRemaining(chunk -> { }));
            failure(Code.NOT_FOUND, () -> viewer.listDocumentVersions(ListDocumentVersionsRequest.newBuilder()
                    .setDocumentId(export.getId()).build()));

            // an API user (another integration) does not read the admin's private document either
            var apiUser = as(Role.ROLE_API_USER);
            failure(Code.NOT_FOUND, () -> apiUser.getDocument(GetDocumentRequest.newBuilder().setDocumentId(export.getId()).build()));
            failure(Code.NOT_FOUND, () -> apiUser.updateDocument(UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(export.getId()).setVersion(1).setTitle("mine now"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("title")).build()));
            // an analyst sees every owner's
            assertThat(listed(as(Role.ROLE_ANALYST), ListDocumentsRequest.newBuilder().setTag("fines-export"))).containsExactly("Private export");

            // the REST route of the listing filters the same way
            var viewerSession = app().userWith(Role.ROLE_VIEWER);
            java.net.http.HttpResponse<String> rest = app().send(java.net.http.HttpRequest.newBuilder(
                            app().uri("/v1/documents?tag=fines-export&jurisdiction=" + jurisdiction))
                    .header("authorization", "Bearer " + viewerSession.accessToken()).GET().build());
            assertThat(rest.statusCode()).isEqualTo(200);
            assertThat(rest.body()).doesNotContain(export.getId());
            java.net.http.HttpResponse<String> restGet = app().send(java.net.http.HttpRequest.newBuilder(
                            app().uri("/v1/documents/" + export.getId()))
                    .header("authorization", "Bearer " + viewerSession.accessToken()).GET().build());
            assertThat(restGet.statusCode()).isEqualTo(404);
        }

        @Test
        void anApiUsersDocumentsArePublicUnlessItSaysPrivateAndItsPrivateOnesAreItsOwn() {
            var owner = as(Role.ROLE_API_USER);
            Document published = createAs(owner, "Published", com.finehero.api.documents.v1.Visibility.VISIBILITY_UNSPECIFIED, "x");
            Document kept = createAs(owner, "Kept", VISIBILITY_PRIVATE, "y");
            assertThat(published.getVisibility()).isEqualTo(VISIBILITY_PUBLIC);
            assertThat(owner.getDocument(GetDocumentRequest.newBuilder().setDocumentId(kept.getId()).build()).getTitle()).isEqualTo("Kept");
            var other = as(Role.ROLE_API_USER);
            assertThat(listed(other, ListDocumentsRequest.newBuilder())).containsExactly("Published");
            assertThat(listed(documents, ListDocumentsRequest.newBuilder())).containsExactlyInAnyOrder("Published", "Kept");
            // made PUBLIC by its owner, everyone reads it
            owner.updateDocument(UpdateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setId(kept.getId()).setVersion(1).setVisibility(VISIBILITY_PUBLIC))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("visibility")).build());
            assertThat(listed(other, ListDocumentsRequest.newBuilder())).containsExactlyInAnyOrder("Published", "Kept");
        }

        @Test
        void pagesStayFullWhenOtherOwnersPrivateDocumentsAreInterleaved() {
            for (int i = 0; i < 5; i++) {
                createAs(documents, "Public " + i, VISIBILITY_PUBLIC, "tow zone " + i);
                createAs(documents, "Private " + i, VISIBILITY_PRIVATE, "tow zone private " + i);
                createAs(documents, "Private again " + i, VISIBILITY_PRIVATE, "tow zone private again " + i);
            }
            var viewer = as(Role.ROLE_VIEWER);
            List<Integer> listPages = new ArrayList<>();
            List<String> listed = new ArrayList<>();
            String token = "";
            do {
                ListDocumentsResponse page = viewer.listDocuments(ListDocumentsRequest.newBuilder().setJurisdiction(jurisdiction)
                        .setPageSize(2).setPageToken(token).build());
                listPages.add(page.getDocumentsCount());
                page.getDocumentsList().forEach(d -> listed.add(d.getTitle()));
                token = page.getNextPageToken();
            } while (!token.isEmpty());
            assertThat(listPages).containsExactly(2, 2, 1);
            assertThat(listed).containsExactlyInAnyOrder("Public 4", "Public 3", "Public 2", "Public 1", "Public 0");

            List<Integer> searchPages = new ArrayList<>();
            SearchDocumentsRequest request = SearchDocumentsRequest.newBuilder().setQuery("tow zone").setJurisdiction(jurisdiction)
                    .setPageSize(2).build();
            SearchDocumentsResponse page = viewer.searchDocuments(request);
            assertThat(page.getTotalMatches()).isEqualTo(5);
            searchPages.add(page.getResultsCount());
            while (!page.getNextPageToken().isEmpty()) {
                page = viewer.searchDocuments(request.toBuilder().setPageToken(page.getNextPageToken()).build());
                searchPages.add(page.getResultsCount());
                assertThat(titles(page)).allMatch(title -> title.startsWith("Public"));
            }
            assertThat(searchPages).containsExactly(2, 2, 1);
        }

        @Test
        void aQueryWithTooManyPrefixesIsRefusedNamingTheCap() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> search("a* b* c* d* e* f* g* h* i* j* k* l*"));
            assertThat(violatedFields(e)).containsExactly("query");
            assertThat(e.getStatus().getDescription()).contains("12 prefixes").contains("at most " + SearchQuery.MAX_PREFIXES);
            assertThat(search("a* b* c* d*").getResultsList()).isEmpty();
        }
    }
}
