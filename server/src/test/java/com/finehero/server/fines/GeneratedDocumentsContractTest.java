package com.finehero.server.fines;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.common.v1.Money;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.ListDocumentsRequest;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.platform.db.Times;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.TestSession;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Channel;
import io.grpc.Status.Code;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Documents the fines tasks write (exports, appeal letters) are PRIVATE: readable by the caller they
 * were made for and by staff, NOT_FOUND to other viewers. One subclass per backend.
 */
abstract class GeneratedDocumentsContractTest {

    /** The content limit the subclasses configure, small enough for a template to pass it. */
    static final int MAX_BYTES = 8192;

    abstract FineHeroExtension app();

    String jurisdiction;
    String violationCode;

    @BeforeEach
    void setUp() {
        jurisdiction = "G" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-CA";
        violationCode = "VC" + UUID.randomUUID().toString().substring(0, 6).replaceAll("[^0-9]", "7");
    }

    static DocumentsServiceGrpc.DocumentsServiceBlockingStub documents(Channel channel) {
        return DocumentsServiceGrpc.newBlockingStub(channel);
    }

    Task run(Channel channel, String type, String... keyValues) {
        Struct.Builder payload = Struct.newBuilder();
        for (int i = 0; i < keyValues.length; i += 2) {
            payload.putFields(keyValues[i], Value.newBuilder().setStringValue(keyValues[i + 1]).build());
        }
        TasksServiceGrpc.TasksServiceBlockingStub tasks = TasksServiceGrpc.newBlockingStub(channel);
        String id = tasks.submitTask(SubmitTaskRequest.newBuilder().setType(type).setPayload(payload).build()).getId();
        TasksServiceGrpc.TasksServiceBlockingStub admin = TasksServiceGrpc.newBlockingStub(app().channel());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> {
            TaskState state = admin.getTask(GetTaskRequest.newBuilder().setTaskId(id).build()).getState();
            return state == TaskState.TASK_STATE_SUCCEEDED || state == TaskState.TASK_STATE_DEAD;
        });
        return admin.getTask(GetTaskRequest.newBuilder().setTaskId(id).build());
    }

    static String documentId(Task task) {
        return task.getResult().getFieldsOrThrow("document_id").getStringValue();
    }

    /** A CONTESTED fine of {@code owner}. */
    Fine contestedFineOf(TestSession owner, String reason) {
        Instant now = app().clock().instant();
        FinesServiceGrpc.FinesServiceBlockingStub fines = FinesServiceGrpc.newBlockingStub(app().channel());
        Fine fine = fines.createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("GD-" + UUID.randomUUID().toString().substring(0, 6)).setJurisdiction(jurisdiction)
                .setViolationCode(violationCode).setOwnerId(owner.userId())
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
                .setIssueTime(Times.toProto(now.minus(Duration.ofDays(2)))).setDueTime(Times.toProto(now.plus(Duration.ofDays(20))))).build());
        return fines.contestFine(ContestFineRequest.newBuilder().setFineId(fine.getId()).setReason(reason).build());
    }

    @Test
    void anAnalystsExportIsReadByThatAnalystAndAdminsButNotByAViewer() {
        Fixtures.fine(app(), app().channel(), "EXP-" + UUID.randomUUID().toString().substring(0, 6), jurisdiction);
        TestSession analyst = app().userWith(Role.ROLE_ANALYST);
        Task export = run(analyst.channel(), "fines_export", "jurisdiction", jurisdiction);
        assertThat(export.getState()).as(export.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        GetDocumentRequest get = GetDocumentRequest.newBuilder().setDocumentId(documentId(export)).build();

        Document asAnalyst = documents(analyst.channel()).getDocument(get);
        assertThat(asAnalyst.getVisibility()).isEqualTo(Visibility.VISIBILITY_PRIVATE);
        assertThat(asAnalyst.getContent()).contains(jurisdiction);
        assertThat(documents(app().channel()).getDocument(get).getId()).isEqualTo(asAnalyst.getId());

        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        failure(Code.NOT_FOUND, () -> documents(viewer.channel()).getDocument(get));
        assertThat(documents(viewer.channel()).listDocuments(ListDocumentsRequest.newBuilder().setTag("fines-export").build())
                .getDocumentsList()).extracting(Document::getId).doesNotContain(asAnalyst.getId());
    }

    @Test
    void anAnalystsReportIsAPdfOfTheirFinesReadByThemAndAdminsButNotByAViewer() throws Exception {
        Instant now = app().clock().instant();
        FinesServiceGrpc.FinesServiceBlockingStub fines = FinesServiceGrpc.newBlockingStub(app().channel());
        for (int i = 0; i < 3; i++) {
            fines.createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                    .setCitationNumber("RP-" + UUID.randomUUID().toString().substring(0, 6)).setJurisdiction(jurisdiction)
                    .setViolationCode(violationCode).setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(2500))
                    .setIssueTime(Times.toProto(now.minus(Duration.ofDays(2)))).setDueTime(Times.toProto(now.plus(Duration.ofDays(20))))).build());
        }
        java.time.LocalDate today = now.atZone(java.time.ZoneOffset.UTC).toLocalDate();
        TestSession analyst = app().userWith(Role.ROLE_ANALYST);
        Task report = run(analyst.channel(), "fines_report", "jurisdiction", jurisdiction,
                "from", today.minusDays(30).toString(), "to", today.plusDays(1).toString());
        assertThat(report.getState()).as(report.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        GetDocumentRequest get = GetDocumentRequest.newBuilder().setDocumentId(documentId(report)).build();

        Document asAnalyst = documents(analyst.channel()).getDocument(get);
        assertThat(asAnalyst.getVisibility()).isEqualTo(Visibility.VISIBILITY_PRIVATE);
        assertThat(asAnalyst.getContentType()).isEqualTo("application/pdf");
        assertThat(asAnalyst.getTagsList()).contains("fines-report");
        // the document's text is what PDFBox reads from the stored original: the code's line, 3 fines of 25.00
        assertThat(asAnalyst.getContent()).contains(jurisdiction).containsPattern(violationCode + "\\s+USD\\s+3\\s+0\\s+75\\.00");
        java.io.ByteArrayOutputStream original = new java.io.ByteArrayOutputStream();
        documents(analyst.channel()).downloadDocument(com.finehero.api.documents.v1.DownloadDocumentRequest.newBuilder()
                .setDocumentId(asAnalyst.getId()).build()).forEachRemaining(part -> original.writeBytes(part.getChunk().toByteArray()));
        try (org.apache.pdfbox.pdmodel.PDDocument pdf = org.apache.pdfbox.Loader.loadPDF(original.toByteArray())) {
            java.awt.image.BufferedImage page = new org.apache.pdfbox.rendering.PDFRenderer(pdf).renderImageWithDPI(0, 36);
            long inked = java.util.stream.IntStream.range(0, page.getHeight()).mapToLong(y -> java.util.stream.IntStream
                    .range(0, page.getWidth()).filter(x -> (page.getRGB(x, y) & 0xffffff) != 0xffffff).count()).sum();
            assertThat(inked).as("page 1 rendered with text and a chart").isGreaterThan(2000);
        }
        assertThat(documents(app().channel()).getDocument(get).getId()).isEqualTo(asAnalyst.getId());
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        failure(Code.NOT_FOUND, () -> documents(viewer.channel()).getDocument(get));
        failure(Code.PERMISSION_DENIED, () -> TasksServiceGrpc.newBlockingStub(viewer.channel()).submitTask(SubmitTaskRequest.newBuilder()
                .setType("fines_report").setPayload(Struct.newBuilder()
                        .putFields("from", Value.newBuilder().setStringValue("2026-01-01").build())
                        .putFields("to", Value.newBuilder().setStringValue("2026-02-01").build())).build()));
        failure(Code.INVALID_ARGUMENT, () -> TasksServiceGrpc.newBlockingStub(analyst.channel()).submitTask(SubmitTaskRequest.newBuilder()
                .setType("fines_report").setPayload(Struct.newBuilder()
                        .putFields("from", Value.newBuilder().setStringValue("2026-02-01").build())
                        .putFields("to", Value.newBuilder().setStringValue("2026-01-01").build())).build()));
    }

    @Test
    void anAppealLetterIsReadByTheFinesOwnerAndNotByAnotherViewer() {
        TestSession owner = app().userWith(Role.ROLE_VIEWER);
        Fine fine = contestedFineOf(owner, "The sign was hidden by a tree.");
        Task letter = run(app().channel(), "appeal_letter", "fine_id", fine.getId());
        assertThat(letter.getState()).as(letter.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        GetDocumentRequest get = GetDocumentRequest.newBuilder().setDocumentId(documentId(letter)).build();

        Document read = documents(owner.channel()).getDocument(get);
        assertThat(read.getOwner()).isEqualTo(owner.userId());
        assertThat(read.getVisibility()).isEqualTo(Visibility.VISIBILITY_PRIVATE);
        assertThat(read.getContent()).contains("hidden by a tree");
        TestSession stranger = app().userWith(Role.ROLE_VIEWER);
        failure(Code.NOT_FOUND, () -> documents(stranger.channel()).getDocument(get));
        assertThat(documents(stranger.channel()).listDocuments(ListDocumentsRequest.newBuilder().setTag("appeal-letter").build())
                .getDocumentsList()).extracting(Document::getId).doesNotContain(read.getId());
    }

    @Test
    void aLetterStaffDraftCitesOnlyWhatTheFinesOwnerMayRead() {
        TestSession owner = app().userWith(Role.ROLE_VIEWER);
        Fine fine = contestedFineOf(owner, "The sign was hidden by a tree.");
        Document open = statute("Public code " + violationCode, Visibility.VISIBILITY_PUBLIC);
        Document closed = statute("Private notes on " + violationCode, Visibility.VISIBILITY_PRIVATE);
        Task letter = run(app().channel(), "appeal_letter", "fine_id", fine.getId());
        assertThat(letter.getState()).as(letter.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        assertThat(letter.getResult().getFieldsOrThrow("cited_document_ids").getListValue().getValuesList())
                .extracting(Value::getStringValue).contains(open.getId()).doesNotContain(closed.getId());
        String content = documents(owner.channel()).getDocument(GetDocumentRequest.newBuilder().setDocumentId(documentId(letter)).build())
                .getContent();
        assertThat(content).contains("Public code").doesNotContain("Private notes");
    }

    Document statute(String title, Visibility visibility) {
        return documents(app().channel()).createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                .setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_STATUTE).setJurisdiction(jurisdiction)
                .setContent("Section " + violationCode + " applies.").setVisibility(visibility)).build());
    }

    @Test
    void aTemplateFullOfPlaceholdersFailsAtTheSizeLimitWithoutRetries() {
        TestSession owner = app().userWith(Role.ROLE_VIEWER);
        Fine fine = contestedFineOf(owner, "x".repeat(5000));
        String bomb = "{{contest_reason}}".repeat(MAX_BYTES / "{{contest_reason}}".length());
        Document template = documents(app().channel()).createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                .setTitle("Bomb").setKind(DocumentKind.DOCUMENT_KIND_TEMPLATE).setJurisdiction(jurisdiction).setContent(bomb)).build());
        Task letter = run(app().channel(), "appeal_letter", "fine_id", fine.getId(), "template_id", template.getId());
        assertThat(letter.getState()).isEqualTo(TaskState.TASK_STATE_DEAD);
        assertThat(letter.getAttempts()).as("not retried").isEqualTo(1);
        assertThat(letter.getLastError()).containsAnyOf("LETTER_TOO_LARGE", "while its template was filled in");
    }
}
