package com.finehero.server.documents;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.DeleteDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.DownloadDocumentRequest;
import com.finehero.api.documents.v1.DownloadDocumentResponse;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.ListDocumentVersionsRequest;
import com.finehero.api.documents.v1.ListDocumentsRequest;
import com.finehero.api.documents.v1.RestoreDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.SearchResult;
import com.finehero.api.documents.v1.UpdateDocumentRequest;
import com.finehero.api.documents.v1.UploadDocumentRequest;
import com.finehero.api.documents.v1.UploadHeader;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.SingleResponse;
import com.finehero.server.testing.TestPdfs;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;

/** PDFs as people have them: uploaded, read page by page for search, downloaded as sent; on H2 and PostgreSQL. */
abstract class PdfDocumentsContractTest {

    /** The upload limit the subclasses configure, small enough to test. */
    static final int MAX_UPLOAD_BYTES = 256 * 1024;
    /** The page limit the subclasses configure. */
    static final int MAX_PAGES = 20;

    static final String PDF = "application/pdf";

    abstract FineHeroExtension app();

    DocumentsServiceGrpc.DocumentsServiceBlockingStub documents;
    String jurisdiction;

    @BeforeEach
    void setUp() {
        documents = DocumentsServiceGrpc.newBlockingStub(app().channel());
        jurisdiction = "P-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }

    @Test
    void aTextPdfIsKeptAsSentAndItsTextIsSearchable() {
        byte[] pdf = TestPdfs.text("Vehicles parked in a bus zone will be towed.");
        Document uploaded = upload("Towing rules", pdf, Visibility.VISIBILITY_PUBLIC).join();

        assertThat(uploaded.getContentType()).isEqualTo(PDF);
        assertThat(uploaded.getSizeBytes()).isEqualTo(pdf.length);
        assertThat(uploaded.getChecksumSha256()).isEqualTo(DocumentRules.sha256(pdf));
        assertThat(uploaded.getPageCount()).isEqualTo(1);
        assertThat(uploaded.getNoText()).isFalse();
        assertThat(get(uploaded.getId()).getContent()).isEqualTo("Vehicles parked in a bus zone will be towed.");

        Download download = download(documents, uploaded.getId(), 700);
        assertThat(download.bytes()).isEqualTo(pdf);
        assertThat(download.document().getContentType()).isEqualTo(PDF);
        assertThat(download.document().getChecksumSha256()).isEqualTo(DocumentRules.sha256(pdf));
        assertThat(download.document().getContent()).isEmpty();

        SearchResult hit = search("towed").getResults(0);
        assertThat(hit.getDocument().getId()).isEqualTo(uploaded.getId());
        assertThat(hit.getSnippet().getPage()).isEqualTo(1);
    }

    @Test
    void aWordOnPageThreeIsFoundAndItsSnippetSaysPageThree() {
        byte[] pdf = TestPdfs.text("Chapter one is about meters.", "Chapter two is about permits.",
                "Chapter three covers the hydrant clearance rule.", "Chapter four is about appeals.");
        Document uploaded = upload("Parking code", pdf, Visibility.VISIBILITY_PUBLIC).join();
        assertThat(uploaded.getPageCount()).isEqualTo(4);
        assertThat(get(uploaded.getId()).getContent().split("\f")).containsExactly("Chapter one is about meters.",
                "Chapter two is about permits.", "Chapter three covers the hydrant clearance rule.", "Chapter four is about appeals.");

        SearchDocumentsResponse found = search("hydrant");
        assertThat(found.getResultsList()).extracting(r -> r.getDocument().getId()).containsExactly(uploaded.getId());
        var snippet = found.getResults(0).getSnippet();
        assertThat(snippet.getPage()).isEqualTo(3);
        assertThat(snippet.getHighlightsList()).isNotEmpty();
        assertThat(snippet.getText().substring(snippet.getHighlights(0).getStart(), snippet.getHighlights(0).getEnd()))
                .isEqualTo("hydrant");
        assertThat(search("appeals").getResults(0).getSnippet().getPage()).isEqualTo(4);
    }

    @Test
    void aPasswordProtectedPdfIsRefusedAndNothingIsStored() {
        StatusRuntimeException e = failure(Code.FAILED_PRECONDITION,
                () -> upload("Locked", TestPdfs.encrypted("user-secret", "secret text"), Visibility.VISIBILITY_PUBLIC).join());
        assertThat(reason(e)).isEqualTo("PDF_ENCRYPTED");
        assertThat(e.getStatus().getDescription()).contains("password");
        assertNothingStored();
    }

    @Test
    void contentThatIsNotThePdfItClaimsIsInvalid() {
        StatusRuntimeException garbage = failure(Code.INVALID_ARGUMENT,
                () -> upload("Broken", TestPdfs.garbageWithHeader(), Visibility.VISIBILITY_PUBLIC).join());
        assertThat(reason(garbage)).isEqualTo("NOT_A_PDF");
        StatusRuntimeException text = failure(Code.INVALID_ARGUMENT,
                () -> upload("A text file", "plain words, no PDF".getBytes(), Visibility.VISIBILITY_PUBLIC).join());
        assertThat(reason(text)).isEqualTo("NOT_A_PDF");
        assertThat(text.getStatus().getDescription()).contains("%PDF-");
        assertNothingStored();
    }

    @Test
    void aScanWithoutTextIsStoredFlaggedAndDownloadableButItsContentFindsNothing() {
        byte[] pdf = TestPdfs.imageOnly();
        Document uploaded = upload("Scanned notice", pdf, Visibility.VISIBILITY_PUBLIC).join();
        assertThat(uploaded.getNoText()).isTrue();
        assertThat(uploaded.getPageCount()).isEqualTo(1);
        assertThat(get(uploaded.getId()).getContent()).isEmpty();
        assertThat(download(documents, uploaded.getId(), 0).bytes()).isEqualTo(pdf);
        assertThat(search("scannedword").getResultsList()).isEmpty();
        // its title is all a search can know of it
        assertThat(search("notice").getResultsList()).extracting(r -> r.getDocument().getId()).containsExactly(uploaded.getId());
    }

    @Test
    void anUploadPastTheLimitIsRefusedAsItArrivesAndNothingIsStored() {
        byte[] big = new byte[MAX_UPLOAD_BYTES + 1];
        System.arraycopy("%PDF-1.7\n".getBytes(), 0, big, 0, 9);
        StatusRuntimeException e = failure(Code.RESOURCE_EXHAUSTED,
                () -> upload("Too big", big, Visibility.VISIBILITY_PUBLIC).join());
        assertThat(reason(e)).isEqualTo("DOCUMENT_TOO_LARGE");
        assertThat(e.getStatus().getDescription()).contains(Integer.toString(MAX_UPLOAD_BYTES), "finehero.documents.max-upload-bytes");
        assertNothingStored();
    }

    @Test
    void aPdfWithMorePagesThanTheLimitIsRefused() {
        String[] pages = new String[MAX_PAGES + 1];
        java.util.Arrays.fill(pages, "page");
        StatusRuntimeException e = failure(Code.RESOURCE_EXHAUSTED,
                () -> upload("Bomb", TestPdfs.text(pages), Visibility.VISIBILITY_PUBLIC).join());
        assertThat(reason(e)).isEqualTo("PDF_TOO_COMPLEX");
        assertThat(e.getStatus().getDescription()).contains("finehero.documents.pdf.max-pages");
        assertNothingStored();
    }

    @Test
    void aPdfArrivesOnlyByUploadAndItsTextCannotBeRewritten() {
        failure(Code.INVALID_ARGUMENT, () -> documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(
                Document.newBuilder().setTitle("Fake").setKind(DocumentKind.DOCUMENT_KIND_OTHER).setContentType(PDF)
                        .setContent("text")).build()));
        Document uploaded = upload("Original", TestPdfs.text("first words"), Visibility.VISIBILITY_PUBLIC).join();
        StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> documents.updateDocument(UpdateDocumentRequest.newBuilder()
                .setDocument(uploaded.toBuilder().setContent("other words"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("content")).build()));
        assertThat(reason(e)).isEqualTo("PDF_CONTENT_READ_ONLY");
    }

    @Test
    void versionsDeletionAndRestoreKeepTheOriginal() {
        byte[] pdf = TestPdfs.text("the original words");
        Document uploaded = upload("Kept", pdf, Visibility.VISIBILITY_PUBLIC).join();
        Document renamed = documents.updateDocument(UpdateDocumentRequest.newBuilder()
                .setDocument(uploaded.toBuilder().setTitle("Kept, renamed"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("title")).build());
        assertThat(renamed.getVersion()).isEqualTo(2);
        assertThat(renamed.getChecksumSha256()).isEqualTo(uploaded.getChecksumSha256());
        assertThat(renamed.getPageCount()).isEqualTo(1);
        assertThat(download(documents, uploaded.getId(), 0).bytes()).isEqualTo(pdf);
        assertThat(documents.listDocumentVersions(ListDocumentVersionsRequest.newBuilder().setDocumentId(uploaded.getId()).build())
                .getVersionsList()).extracting(Document::getContentType).containsExactly(PDF, PDF);
        Download first = download(documents, uploaded.getId(), 0, 1);
        assertThat(first.document().getTitle()).isEqualTo("Kept");
        assertThat(first.bytes()).isEqualTo(pdf);

        documents.deleteDocument(DeleteDocumentRequest.newBuilder().setDocumentId(uploaded.getId()).build());
        failure(Code.NOT_FOUND, () -> download(documents, uploaded.getId(), 0));
        documents.restoreDocument(RestoreDocumentRequest.newBuilder().setDocumentId(uploaded.getId()).build());
        assertThat(download(documents, uploaded.getId(), 0).bytes()).isEqualTo(pdf);
    }

    @Test
    void anOriginalIsDownloadedByWhoeverMayReadItsDocument() {
        byte[] pdf = TestPdfs.text("private appeal text");
        Document secret = upload("Private appeal", pdf, Visibility.VISIBILITY_PRIVATE).join();
        Document open = upload("Public code", TestPdfs.text("public code text"), Visibility.VISIBILITY_PUBLIC).join();

        var viewer = DocumentsServiceGrpc.newBlockingStub(app().userWith(Role.ROLE_VIEWER).channel());
        var apiUser = DocumentsServiceGrpc.newBlockingStub(app().userWith(Role.ROLE_API_USER).channel());
        var analyst = DocumentsServiceGrpc.newBlockingStub(app().userWith(Role.ROLE_ANALYST).channel());
        failure(Code.NOT_FOUND, () -> download(viewer, secret.getId(), 0));
        failure(Code.NOT_FOUND, () -> download(apiUser, secret.getId(), 0));
        assertThat(download(analyst, secret.getId(), 0).bytes()).isEqualTo(pdf);
        assertThat(download(viewer, open.getId(), 0).document().getTitle()).isEqualTo("Public code");
        assertThat(viewer.searchDocuments(SearchDocumentsRequest.newBuilder().setQuery("appeal").setJurisdiction(jurisdiction).build())
                .getResultsList()).isEmpty();
    }

    @Test
    void overRestAPdfIsUploadedAsNdjsonAndDownloadedWithItsTypeAndChecksum() {
        byte[] pdf = TestPdfs.text("Towing over REST.", "Second page over REST.");
        StringBuilder body = new StringBuilder("{\"header\":{\"document\":{\"title\":\"Rest PDF\",\"kind\":\"DOCUMENT_KIND_REGULATION\","
                + "\"jurisdiction\":\"" + jurisdiction + "\",\"contentType\":\"application/pdf\"},\"checksumSha256\":\""
                + DocumentRules.sha256(pdf) + "\"}}\n");
        for (int offset = 0; offset < pdf.length; offset += 1000) {
            byte[] chunk = java.util.Arrays.copyOfRange(pdf, offset, Math.min(pdf.length, offset + 1000));
            body.append("{\"chunk\":\"").append(Base64.getEncoder().encodeToString(chunk)).append("\"}\n");
        }
        HttpResponse<String> uploaded = app().send(HttpRequest.newBuilder(app().uri("/v1/documents:upload"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        JsonObject document = JsonParser.parseString(uploaded.body()).getAsJsonObject();
        assertThat(document.get("contentType").getAsString()).isEqualTo(PDF);
        assertThat(document.get("pageCount").getAsInt()).isEqualTo(2);

        HttpResponse<String> download = app().send(HttpRequest.newBuilder(
                app().uri("/v1/documents/" + document.get("id").getAsString() + ":download?chunkSize=512"))
                .header("Accept", "application/x-ndjson").GET().build());
        assertThat(download.statusCode()).as(download.body()).isEqualTo(200);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        JsonObject first = null;
        for (String line : download.body().lines().filter(l -> !l.isBlank()).toList()) {
            JsonObject message = JsonParser.parseString(line).getAsJsonObject();
            if (first == null) {
                first = message.getAsJsonObject("document");
            }
            received.writeBytes(Base64.getDecoder().decode(message.get("chunk").getAsString()));
        }
        assertThat(received.toByteArray()).isEqualTo(pdf);
        assertThat(first.get("contentType").getAsString()).isEqualTo(PDF);
        assertThat(first.get("checksumSha256").getAsString()).isEqualTo(DocumentRules.sha256(pdf));

        HttpResponse<String> locked = app().send(HttpRequest.newBuilder(app().uri("/v1/documents:upload"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"header\":{\"document\":{\"title\":\"Locked\",\"kind\":\"DOCUMENT_KIND_OTHER\",\"contentType\":\"application/pdf\"}}}\n"
                        + "{\"chunk\":\"" + Base64.getEncoder().encodeToString(TestPdfs.encrypted("pw", "x")) + "\"}\n")).build());
        assertThat(locked.statusCode()).as(locked.body()).isEqualTo(400);
        assertThat(locked.body()).contains("PDF_ENCRYPTED");
    }

    Document get(String id) {
        return documents.getDocument(GetDocumentRequest.newBuilder().setDocumentId(id).build());
    }

    SearchDocumentsResponse search(String query) {
        return documents.searchDocuments(SearchDocumentsRequest.newBuilder().setQuery(query).setJurisdiction(jurisdiction).build());
    }

    void assertNothingStored() {
        assertThat(documents.listDocuments(ListDocumentsRequest.newBuilder().setJurisdiction(jurisdiction).build())
                .getDocumentsList()).isEmpty();
    }

    SingleResponse<Document> upload(String title, byte[] bytes, Visibility visibility) {
        SingleResponse<Document> result = new SingleResponse<>();
        StreamObserver<UploadDocumentRequest> stream = DocumentsServiceGrpc.newStub(app().channel()).uploadDocument(result);
        stream.onNext(UploadDocumentRequest.newBuilder().setHeader(UploadHeader.newBuilder()
                .setDocument(Document.newBuilder().setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_REGULATION)
                        .setJurisdiction(jurisdiction).setContentType(PDF).setVisibility(visibility))
                .setChecksumSha256(DocumentRules.sha256(bytes))).build());
        for (int offset = 0; offset < bytes.length; offset += 16 * 1024) {
            stream.onNext(UploadDocumentRequest.newBuilder()
                    .setChunk(ByteString.copyFrom(bytes, offset, Math.min(16 * 1024, bytes.length - offset))).build());
        }
        stream.onCompleted();
        return result;
    }

    record Download(Document document, byte[] bytes, int messages) { }

    static Download download(DocumentsServiceGrpc.DocumentsServiceBlockingStub as, String id, int chunk) {
        return download(as, id, chunk, 0);
    }

    static Download download(DocumentsServiceGrpc.DocumentsServiceBlockingStub as, String id, int chunk, long version) {
        Iterator<DownloadDocumentResponse> messages = as.downloadDocument(DownloadDocumentRequest.newBuilder()
                .setDocumentId(id).setChunkSize(chunk).setVersion(version).build());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        List<DownloadDocumentResponse> all = new ArrayList<>();
        messages.forEachRemaining(all::add);
        all.forEach(message -> received.writeBytes(message.getChunk().toByteArray()));
        return new Download(all.getFirst().getDocument(), received.toByteArray(), all.size());
    }
}
