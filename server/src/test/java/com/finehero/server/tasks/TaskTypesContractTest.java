package com.finehero.server.tasks;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.common.v1.Money;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.platform.db.Times;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status.Code;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.finehero.server.tasks.TaskType.Submitters.internalOnly;
import static com.finehero.server.tasks.TaskType.Submitters.roles;
import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real task types end to end: submitted over gRPC or REST, run by the engine, their effects read
 * back through the public API. One subclass per backend.
 */
abstract class TaskTypesContractTest {

    abstract FineHeroExtension app();

    static final List<String> FINE_CSV_COLUMNS = List.of("citation_number", "jurisdiction", "violation_code", "violation_description",
            "amount", "currency", "issue_time", "due_time", "vehicle_plate", "owner_id", "status");

    TasksServiceGrpc.TasksServiceBlockingStub tasks;
    FinesServiceGrpc.FinesServiceBlockingStub fines;
    DocumentsServiceGrpc.DocumentsServiceBlockingStub documents;
    /** A jurisdiction of this test's own, below a parent of its own: XX-CA-SF under XX-CA. */
    String parent;
    String jurisdiction;

    @BeforeEach
    void setUp() {
        tasks = TasksServiceGrpc.newBlockingStub(app().channel()); // the client channel gives every call its own deadline
        fines = FinesServiceGrpc.newBlockingStub(app().channel()); // the client channel gives every call its own deadline
        documents = DocumentsServiceGrpc.newBlockingStub(app().channel()); // the client channel gives every call its own deadline
        parent = "T" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-CA";
        jurisdiction = parent + "-SF";
    }

    Task run(SubmitTaskRequest request) {
        Task submitted = tasks.submitTask(request);
        return finished(submitted.getId());
    }

    Task finished(String id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                .until(() -> TaskRules.finished(tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build()).getState()));
        return tasks.getTask(GetTaskRequest.newBuilder().setTaskId(id).build());
    }

    static Struct struct(String... keyValues) {
        Struct.Builder struct = Struct.newBuilder();
        for (int i = 0; i < keyValues.length; i += 2) {
            struct.putFields(keyValues[i], Value.newBuilder().setStringValue(keyValues[i + 1]).build());
        }
        return struct.build();
    }

    static double number(Task task, String field) {
        return task.getResult().getFieldsOrThrow(field).getNumberValue();
    }

    String csv(String... rows) {
        StringBuilder csv = new StringBuilder("citation_number,jurisdiction,violation_code,amount,currency,issue_time,due_time,vehicle_plate\n");
        for (String row : rows) {
            csv.append(row.replace("{J}", jurisdiction)).append('\n');
        }
        return csv.toString();
    }

    Document document(String title, DocumentKind kind, String where, String content, String... tags) {
        return documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                .setTitle(title).setKind(kind).setJurisdiction(where).setContent(content).addAllTags(List.of(tags))).build());
    }

    @Test
    void everyTypeDeclaresWhoMaySubmitIt() {
        Map<String, TaskType.Submitters> declared = new java.util.HashMap<>();
        app().app().tasks().types().forEach(type -> declared.put(type.name(), type.submitters()));
        assertThat(declared).containsAllEntriesOf(Map.of(
                "fine_import", roles(Role.ROLE_ADMIN, Role.ROLE_API_USER),
                "fines_export", roles(Role.ROLE_ADMIN, Role.ROLE_ANALYST),
                "appeal_letter", roles(Role.ROLE_ADMIN, Role.ROLE_VIEWER),
                "document_reindex", roles(Role.ROLE_ADMIN),
                "overdue_sweep", internalOnly(),
                "analytics_rollup", internalOnly(),
                "table_retention", internalOnly(),
                "noop", roles(Role.ROLE_ADMIN, Role.ROLE_API_USER)));
    }

    @Test
    void fineImportCreatesValidRowsReportsInvalidOnesAndIsIdempotent() {
        String csv = csv(
                "IMP-1,{J},V1,45.50,USD,2026-11-01T10:00:00Z,2026-12-01T10:00:00Z,7ABC123",
                "IMP-2,{J},V1,12.00,USD,2026-11-01T10:00:00Z,2026-12-01T10:00:00Z,",
                "IMP-3,{J},V1,lots,USD,2026-11-01T10:00:00Z,2026-12-01T10:00:00Z,",
                "IMP-4,{J},V2,30,EUR,2026-11-01T10:00:00Z,2026-12-01T10:00:00Z,XY 99",
                "IMP-5,{J},V2,30,USD,2026-12-01T10:00:00Z,2026-11-01T10:00:00Z,",
                "IMP-6,{J},V2,30,USD,2026-11-01T10:00:00Z");
        Task first = run(SubmitTaskRequest.newBuilder().setType("fine_import").setPayload(struct("csv", csv)).build());
        assertThat(first.getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        assertThat(number(first, "rows")).isEqualTo(6);
        assertThat(number(first, "created")).isEqualTo(3);
        assertThat(number(first, "invalid_count")).isEqualTo(3);
        List<Value> invalid = first.getResult().getFieldsOrThrow("invalid").getListValue().getValuesList();
        assertThat(invalid).extracting(v -> (int) v.getStructValue().getFieldsOrThrow("row").getNumberValue()).containsExactly(4, 6, 7);
        assertThat(invalid.get(0).getStructValue().getFieldsOrThrow("reason").getStringValue()).contains("amount 'lots'");
        assertThat(invalid.get(1).getStructValue().getFieldsOrThrow("reason").getStringValue()).contains("due_time must be after issue_time");
        assertThat(invalid.get(2).getStructValue().getFieldsOrThrow("reason").getStringValue()).contains("has 6 fields, the header has 8");
        assertThat(fines.listFines(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction).build()).getFinesList())
                .extracting(Fine::getCitationNumber).containsExactlyInAnyOrder("IMP-1", "IMP-2", "IMP-4");

        // the same CSV again, this time from a stored document: nothing new
        Document stored = document("City export", DocumentKind.DOCUMENT_KIND_OTHER, jurisdiction, csv);
        Task again = run(SubmitTaskRequest.newBuilder().setType("fine_import").setPayload(struct("document_id", stored.getId())).build());
        assertThat(number(again, "created")).isZero();
        assertThat(number(again, "already_present")).isEqualTo(3);
        assertThat(again.getProgressMessage()).contains("0 created, 3 already present, 3 invalid");
        assertThat(fines.listFines(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction).build()).getFinesCount()).isEqualTo(3);

        assertThat(violatedFields(failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(SubmitTaskRequest.newBuilder()
                .setType("fine_import").setPayload(struct("csv", csv, "document_id", stored.getId())).build())))).containsExactly("payload");
        assertThat(violatedFields(failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(SubmitTaskRequest.newBuilder()
                .setType("fine_import").setPayload(struct("document_id", UUID.randomUUID().toString())).build()))))
                .containsExactly("payload.document_id");
        Task badHeader = run(SubmitTaskRequest.newBuilder().setType("fine_import").setPayload(struct("csv", "citation,amount\nA,1\n")).build());
        assertThat(badHeader.getState()).as("bad input is not retried").isEqualTo(TaskState.TASK_STATE_DEAD);
        assertThat(badHeader.getAttempts()).isEqualTo(1);
        assertThat(badHeader.getLastError()).contains("lacks column(s) citation_number");
    }

    @Test
    void finesExportWritesACsvDocumentThatImportsBack() throws Exception {
        run(SubmitTaskRequest.newBuilder().setType("fine_import").setPayload(struct("csv", csv(
                "EXP-1,{J},V1,45.50,USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z,AB1",
                "EXP-2,{J},V1,\"1,000.00\",USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z,AB2",
                "EXP-2B,{J},V1,1000.00,USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z,AB2"))).build());
        // over REST, as a city's script would
        HttpResponse<String> submitted = app().send(HttpRequest.newBuilder(app().uri("/v1/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"fines_export\", \"payload\": {\"jurisdiction\": \""
                        + jurisdiction + "\", \"statuses\": [\"OPEN\"]}}")).build());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        Task export = finished(RestCalls.parse(submitted, Task.getDefaultInstance()).getId());
        assertThat(export.getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        assertThat(number(export, "rows")).isEqualTo(2);
        String documentId = export.getResult().getFieldsOrThrow("document_id").getStringValue();
        Document written = documents.getDocument(GetDocumentRequest.newBuilder().setDocumentId(documentId).build());
        assertThat(written.getTagsList()).contains("fines-export");
        assertThat(written.getContent().lines().toList()).hasSize(3)
                .first().isEqualTo(String.join(",", FINE_CSV_COLUMNS));
        assertThat(written.getContent()).contains("EXP-1," + jurisdiction + ",V1,,45.50,USD,").contains("EXP-2B");

        Task reimport = run(SubmitTaskRequest.newBuilder().setType("fine_import").setPayload(struct("document_id", documentId)).build());
        assertThat(number(reimport, "already_present")).isEqualTo(2);
        assertThat(number(reimport, "invalid_count")).isZero();

        assertThat(violatedFields(failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(SubmitTaskRequest.newBuilder()
                .setType("fines_export").setPayload(Struct.newBuilder().putFields("statuses", Value.newBuilder()
                        .setListValue(ListValue.newBuilder().addValues(Value.newBuilder().setStringValue("LATE"))).build())).build()))))
                .containsExactly("payload.statuses");
    }

    @Test
    void documentReindexRestoresSearchTerms() {
        String word = "zq" + UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        Document a = document("Reindex A", DocumentKind.DOCUMENT_KIND_GUIDE, jurisdiction, "all about nothing");
        Document b = document("Reindex B", DocumentKind.DOCUMENT_KIND_GUIDE, jurisdiction, "more about nothing");
        var database = ((JdbcTaskStore) app().app().tasks().store()).database();
        // content changed behind the store's back, as after a change to how terms are made: neither the stored
        // terms (PostgreSQL's vector) nor the embedded Lucene index know the new word until reindexed
        database.inTransaction(connection -> {
            try (var rewrite = connection.prepareStatement("UPDATE documents SET content = REPLACE(content, 'nothing', ?) WHERE id IN (?, ?)")) {
                rewrite.setString(1, word);
                rewrite.setString(2, a.getId());
                rewrite.setString(3, b.getId());
                return rewrite.executeUpdate();
            }
        });
        assertThat(search(word)).isEmpty();
        Task some = run(SubmitTaskRequest.newBuilder().setType("document_reindex").setPayload(Struct.newBuilder()
                .putFields("document_ids", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStringValue(a.getId()))
                        .addValues(Value.newBuilder().setStringValue(UUID.randomUUID().toString()))).build())).build());
        assertThat(number(some, "reindexed")).isEqualTo(1);
        assertThat(number(some, "missing")).isEqualTo(1);
        assertThat(search(word)).containsExactly(a.getId());
        Task all = run(SubmitTaskRequest.newBuilder().setType("document_reindex").build());
        assertThat(all.getState()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        assertThat(number(all, "reindexed")).isGreaterThanOrEqualTo(2);
        assertThat(all.getProgressPercent()).isEqualTo(100);
        assertThat(search(word)).containsExactlyInAnyOrder(a.getId(), b.getId());
    }

    private List<String> search(String word) {
        return documents.searchDocuments(SearchDocumentsRequest.newBuilder().setQuery(word).setJurisdiction(jurisdiction).build())
                .getResultsList().stream().map(r -> r.getDocument().getId()).toList();
    }

    @Test
    void appealLetterCitesTheRelevantDocumentsAndIsLinkedToTheFine() {
        String code = "Q" + (100 + new java.util.Random().nextInt(800)) + ".2." + UUID.randomUUID().toString().substring(0, 4);
        Document statute = document("Vehicle Code " + code, DocumentKind.DOCUMENT_KIND_STATUTE, parent,
                "Section " + code + ": no person shall park within a bus zone.");
        Document precedent = document("People v. Example", DocumentKind.DOCUMENT_KIND_PRECEDENT, jurisdiction,
                "The court held that an obscured sign defeats a citation under " + code + ".");
        Document guide = document("How to pay", DocumentKind.DOCUMENT_KIND_GUIDE, jurisdiction, "Pay online; see " + code + ".");
        Document elsewhere = document("Other city", DocumentKind.DOCUMENT_KIND_STATUTE, "ZZ-" + parent, "Section " + code);
        Instant now = app().clock().instant();
        Fine fine = fines.createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("AL-1").setJurisdiction(jurisdiction).setViolationCode(code)
                .setViolationDescription("Parking in a bus zone")
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
                .setIssueTime(Times.toProto(now.minus(Duration.ofDays(2)))).setDueTime(Times.toProto(now.plus(Duration.ofDays(20))))).build());
        failure(Code.FAILED_PRECONDITION, () -> tasks.submitTask(SubmitTaskRequest.newBuilder().setType("appeal_letter")
                .setPayload(struct("fine_id", fine.getId())).build()));
        fines.contestFine(ContestFineRequest.newBuilder().setFineId(fine.getId())
                .setReason("The bus zone sign was hidden by a tree.").build());

        Task letterTask = run(SubmitTaskRequest.newBuilder().setType("appeal_letter").setPayload(struct("fine_id", fine.getId())).build());
        assertThat(letterTask.getState()).as(letterTask.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
        List<String> cited = letterTask.getResult().getFieldsOrThrow("cited_document_ids").getListValue().getValuesList()
                .stream().map(Value::getStringValue).toList();
        assertThat(cited).containsExactlyInAnyOrder(statute.getId(), precedent.getId()).doesNotContain(guide.getId(), elsewhere.getId());
        String letterId = letterTask.getResult().getFieldsOrThrow("document_id").getStringValue();
        Document letter = documents.getDocument(GetDocumentRequest.newBuilder().setDocumentId(letterId).build());
        assertThat(letter.getTagsList()).contains("appeal-letter", "fine-" + fine.getId().replace("-", ""));
        assertThat(letter.getContent()).contains("AL-1", code, "Vehicle Code " + code, "People v. Example",
                "hidden by a tree", "45.50 USD");

        Task again = run(SubmitTaskRequest.newBuilder().setType("appeal_letter").setPayload(struct("fine_id", fine.getId())).build());
        assertThat(again.getResult().getFieldsOrThrow("document_id").getStringValue()).isEqualTo(letterId);
        assertThat(documents.getDocument(GetDocumentRequest.newBuilder().setDocumentId(letterId).build()).getVersion()).isEqualTo(2);

        assertThat(violatedFields(failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(SubmitTaskRequest.newBuilder()
                .setType("appeal_letter").setPayload(struct("fine_id", UUID.randomUUID().toString())).build()))))
                .containsExactly("payload.fine_id");
        assertThat(violatedFields(failure(Code.INVALID_ARGUMENT, () -> tasks.submitTask(SubmitTaskRequest.newBuilder()
                .setType("appeal_letter").setPayload(Struct.getDefaultInstance()).build())))).containsExactly("payload.fine_id");
    }
}
