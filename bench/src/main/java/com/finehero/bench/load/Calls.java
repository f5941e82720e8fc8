package com.finehero.bench.load;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

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
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.grpc.StatusRuntimeException;

/**
 * The calls scenarios make, over gRPC (the generated stubs) or REST (the bridge's JSON routes), with
 * failures turned into {@link CallFailed} labelled by status. Seeding always uses gRPC.
 */
final class Calls {

    private final FineHeroClient client;
    private final Credentials credentials;
    private final String base;
    private final LoadTool.Protocol protocol;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Calls(FineHeroClient client, Credentials credentials, String host, int port, LoadTool.Protocol protocol) {
        this.client = client;
        this.credentials = credentials;
        this.base = "http://" + host + ":" + port;
        this.protocol = protocol;
    }

    private FinesServiceGrpc.FinesServiceBlockingStub fines() {
        return FinesServiceGrpc.newBlockingStub(client.channel());
    }

    private DocumentsServiceGrpc.DocumentsServiceBlockingStub documents() {
        return DocumentsServiceGrpc.newBlockingStub(client.channel());
    }

    Fine seedFine(String jurisdiction, int n) {
        return fines().createFine(CreateFineRequest.newBuilder().setFine(newFine(jurisdiction, "SEED-" + n)).build());
    }

    Document seedDocument(String jurisdiction, String title, String content) {
        return documents().createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                .setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_STATUTE).setJurisdiction(jurisdiction).setContent(content)).build());
    }

    static Fine newFine(String jurisdiction, String citation) {
        Instant now = Instant.now();
        return Fine.newBuilder().setCitationNumber(citation + "-" + UUID.randomUUID().toString().substring(0, 8))
                .setJurisdiction(jurisdiction).setViolationCode("TRC7.2.22")
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setDueTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond()))
                .setVehiclePlate("7ABC123").build();
    }

    Object getFine(String id) throws Exception {
        return protocol == LoadTool.Protocol.grpc ? grpc(() -> fines().getFine(GetFineRequest.newBuilder().setFineId(id).build()))
                : rest("GET", "/v1/fines/" + id, null);
    }

    Object listFines(String jurisdiction) throws Exception {
        return protocol == LoadTool.Protocol.grpc
                ? grpc(() -> fines().listFines(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction).setPageSize(20).build()))
                : rest("GET", "/v1/fines?jurisdiction=" + jurisdiction + "&page_size=20", null);
    }

    Fine createFine(String jurisdiction) throws Exception {
        Fine fine = newFine(jurisdiction, "LOAD");
        if (protocol == LoadTool.Protocol.grpc) {
            return grpc(() -> fines().createFine(CreateFineRequest.newBuilder().setFine(fine).build()));
        }
        Fine.Builder created = Fine.newBuilder();
        JsonFormat.parser().ignoringUnknownFields().merge(rest("POST", "/v1/fines", fine), created);
        return created.build();
    }

    Object contestFine(String id) throws Exception {
        ContestFineRequest request = ContestFineRequest.newBuilder().setFineId(id).setReason("The sign was hidden behind a tree.").build();
        return protocol == LoadTool.Protocol.grpc ? grpc(() -> fines().contestFine(request))
                : rest("POST", "/v1/fines/" + id + ":contest", request.toBuilder().clearFineId().build());
    }

    Object payFine(String id) throws Exception {
        PayFineRequest request = PayFineRequest.newBuilder().setFineId(id).setIdempotencyKey("load-" + id)
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550)).build();
        return protocol == LoadTool.Protocol.grpc ? grpc(() -> fines().payFine(request))
                : rest("POST", "/v1/fines/" + id + ":pay", request.toBuilder().clearFineId().build());
    }

    Object searchDocuments(String query, String jurisdiction) throws Exception {
        return protocol == LoadTool.Protocol.grpc
                ? grpc(() -> documents().searchDocuments(SearchDocumentsRequest.newBuilder().setQuery(query).setJurisdiction(jurisdiction).build()))
                : rest("GET", "/v1/documents:search?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&jurisdiction=" + jurisdiction, null);
    }

    Object getDocument(String id) throws Exception {
        return protocol == LoadTool.Protocol.grpc ? grpc(() -> documents().getDocument(GetDocumentRequest.newBuilder().setDocumentId(id).build()))
                : rest("GET", "/v1/documents/" + id, null);
    }

    Object submitTask(String note) throws Exception {
        com.finehero.api.tasks.v1.SubmitTaskRequest request = com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder().setType("noop")
                .setPayload(com.google.protobuf.Struct.newBuilder().putFields("note",
                        com.google.protobuf.Value.newBuilder().setStringValue(note).build()))
                .build();
        return protocol == LoadTool.Protocol.grpc
                ? grpc(() -> com.finehero.api.tasks.v1.TasksServiceGrpc.newBlockingStub(client.channel()).submitTask(request))
                : rest("POST", "/v1/tasks", request);
    }

    Object queueStats() throws Exception {
        return protocol == LoadTool.Protocol.grpc
                ? grpc(() -> com.finehero.api.tasks.v1.TasksServiceGrpc.newBlockingStub(client.channel())
                        .getQueueStats(com.finehero.api.tasks.v1.GetQueueStatsRequest.getDefaultInstance()))
                : rest("GET", "/v1/tasks:stats", null);
    }

    private static <T> T grpc(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw new CallFailed(e.getStatus().getCode().name());
        }
    }

    private String rest(String method, String path, Message body) throws Exception {
        String token = credentials instanceof Credentials.Login login ? login.current(client.anonymousChannel()).getAccessToken() : null;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JsonFormat.printer().print(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        } else if (credentials instanceof Credentials.ApiKey key) {
            request.header("x-api-key", key.key());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new CallFailed("HTTP " + response.statusCode());
        }
        return response.body();
    }
}
