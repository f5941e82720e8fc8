package com.finehero.server.platform.security;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.finehero.api.auth.v1.AuditEvent;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.ListAuditEventsRequest;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

/** Who may see which fines, what the audit log records, and the HTTP hygiene headers and CORS. */
class AuditAndHeadersTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.security.cors.allowed-origins", "https://app.example.org");

    @Test
    void aViewerSeesOnlyTheirOwnFinesAndOthersAreNotFound() {
        TestSession alice = APP.userWith(Role.ROLE_VIEWER);
        TestSession bob = APP.userWith(Role.ROLE_VIEWER);
        Fine hers = Fixtures.fine(APP, APP.channel(), "OWN-1", "OWN").toBuilder().build();
        hers = FinesServiceGrpc.newBlockingStub(APP.channel()).updateFine(com.finehero.api.fines.v1.UpdateFineRequest.newBuilder()
                .setFine(Fine.newBuilder().setId(hers.getId()).setVersion(hers.getVersion()).setOwnerId(alice.userId()))
                .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("owner_id")).build());
        String id = hers.getId();

        var asAlice = FinesServiceGrpc.newBlockingStub(alice.channel());
        var asBob = FinesServiceGrpc.newBlockingStub(bob.channel());
        assertThat(asAlice.getFine(GetFineRequest.newBuilder().setFineId(id).build()).getId()).isEqualTo(id);
        assertThat(asAlice.listFines(ListFinesRequest.getDefaultInstance()).getFinesList()).extracting(Fine::getId).containsExactly(id);
        failure(Status.Code.NOT_FOUND, () -> asBob.getFine(GetFineRequest.newBuilder().setFineId(id).build()));
        failure(Status.Code.NOT_FOUND, () -> asBob.contestFine(ContestFineRequest.newBuilder().setFineId(id).setReason("not mine but why not").build()));
        assertThat(asBob.listFines(ListFinesRequest.getDefaultInstance()).getFinesList()).isEmpty();
        assertThat(asBob.listFines(ListFinesRequest.newBuilder().setOwnerId(alice.userId()).build()).getFinesList()).isEmpty();

        TestSession analyst = APP.userWith(Role.ROLE_ANALYST);
        assertThat(FinesServiceGrpc.newBlockingStub(analyst.channel()).getFine(GetFineRequest.newBuilder().setFineId(id).build()).getId())
                .as("analysts read everything").isEqualTo(id);
        failure(Status.Code.PERMISSION_DENIED, () -> FinesServiceGrpc.newBlockingStub(analyst.channel())
                .contestFine(ContestFineRequest.newBuilder().setFineId(id).setReason("analysts change nothing").build()));
    }

    @Test
    void aChangeIsAnsweredOnlyOnceItsAuditRecordHasCommittedWithIt() throws Exception {
        Fine fine = Fixtures.fine(APP, APP.channel(), "AUD-TX", "AUDTX");
        String update = "audit-tx-update-" + java.util.UUID.randomUUID();
        FinesServiceGrpc.newBlockingStub(withRequestId(update)).updateFine(com.finehero.api.fines.v1.UpdateFineRequest.newBuilder()
                .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion()).setOwnerId(APP.userWith(Role.ROLE_VIEWER).userId()))
                .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("owner_id")).build());
        // read straight from the table, not through ListAuditEvents, which first writes out what the log still queues
        assertThat(auditRows(update)).containsExactly("finehero.fines.v1.FinesService/UpdateFine " + fine.getId() + " OK");

        String create = "audit-tx-create-" + java.util.UUID.randomUUID();
        Fine created = Fixtures.fine(APP, withRequestId(create), "AUD-TX-2", "AUDTX");
        assertThat(auditRows(create)).singleElement().asString().startsWith("finehero.fines.v1.FinesService/CreateFine ");
        // a create learns its record's id from its answer: the event written with the change is then corrected
        AuthServiceGrpc.newBlockingStub(APP.channel()).listAuditEvents(ListAuditEventsRequest.newBuilder().setPageSize(1).build());
        assertThat(auditRows(create)).containsExactly("finehero.fines.v1.FinesService/CreateFine " + created.getId() + " OK");
    }

    private static io.grpc.Channel withRequestId(String requestId) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("x-request-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), requestId);
        return io.grpc.ClientInterceptors.intercept(APP.channel(), io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** "method resource outcome" of each audit event the call with {@code requestId} left in the database. */
    private static java.util.List<String> auditRows(String requestId) throws java.sql.SQLException {
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(
                APP.config().get("finehero.db.url").asString().get(), "sa", "");
             java.sql.PreparedStatement select = connection.prepareStatement(
                     "SELECT method, resource, outcome FROM audit_events WHERE request_id = ? ORDER BY id")) {
            select.setString(1, requestId);
            java.util.List<String> rows = new java.util.ArrayList<>();
            try (java.sql.ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1) + " " + result.getString(2) + " " + result.getString(3));
                }
            }
            return rows;
        }
    }

    @Test
    void stateChangingCallsAreAuditedWithTheirOutcomeAndNoSecrets() {
        TestSession viewer = APP.userWith(Role.ROLE_VIEWER);
        Fine fine = Fixtures.fine(APP, APP.channel(), "AUD-1", "AUD");
        failure(Status.Code.NOT_FOUND, () -> FinesServiceGrpc.newBlockingStub(viewer.channel())
                .contestFine(ContestFineRequest.newBuilder().setFineId(fine.getId()).setReason("I was never there").build()));
        failure(Status.Code.UNAUTHENTICATED, () -> AuthServiceGrpc.newBlockingStub(APP.anonymousChannel())
                .login(LoginRequest.newBuilder().setUsername(viewer.username()).setPassword("secret-guess-123").build()));
        FinesServiceGrpc.newBlockingStub(viewer.channel()).listFines(ListFinesRequest.getDefaultInstance());

        var audit = AuthServiceGrpc.newBlockingStub(APP.channel());
        var contests = audit.listAuditEvents(ListAuditEventsRequest.newBuilder().setPrincipalId(viewer.userId()).build()).getEventsList();
        assertThat(contests).extracting(AuditEvent::getMethod).contains("finehero.fines.v1.FinesService/ContestFine")
                .doesNotContain("finehero.fines.v1.FinesService/ListFines");
        AuditEvent contest = contests.stream().filter(e -> e.getMethod().endsWith("ContestFine")).findFirst().orElseThrow();
        assertThat(contest.getOutcome()).isEqualTo("NOT_FOUND");
        assertThat(contest.getResource()).isEqualTo(fine.getId());
        assertThat(contest.getPrincipalName()).isEqualTo(viewer.username());
        assertThat(contest.getCredential()).isEqualTo("access_token");
        assertThat(contest.getPeer()).isEqualTo("127.0.0.1");
        assertThat(contest.getProtocol()).isEqualTo("grpc");

        var logins = audit.listAuditEvents(ListAuditEventsRequest.newBuilder().setMethod("Login").setPageSize(500).build()).getEventsList();
        AuditEvent failed = logins.stream().filter(e -> e.getResource().equals(viewer.username())).filter(e -> e.getOutcome().equals("UNAUTHENTICATED"))
                .findFirst().orElseThrow();
        assertThat(failed.toString()).doesNotContain("secret-guess-123");
        failure(Status.Code.INVALID_ARGUMENT, () -> audit.listAuditEvents(ListAuditEventsRequest.newBuilder().setPageToken("garbage!").build()));
    }

    @Test
    void largerRestAnswersAreGzippedForClientsThatAcceptIt() throws Exception {
        for (int i = 0; i < 8; i++) {
            Fixtures.fine(APP, APP.channel(), "GZ-" + i, "GZ");
        }
        HttpResponse<byte[]> zipped = APP.sendBytes(HttpRequest.newBuilder(APP.uri("/v1/fines?jurisdiction=GZ"))
                .header("Accept-Encoding", "gzip").GET().build());
        assertThat(zipped.headers().firstValue("content-encoding")).hasValue("gzip");
        String json = new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body())).readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).contains("GZ-7");
        HttpResponse<String> plain = APP.get("/v1/fines?jurisdiction=GZ");
        assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
        assertThat(plain.body()).isEqualTo(json);
        assertThat(APP.get("/v1/fines?jurisdiction=NONE").headers().firstValue("content-encoding")).as("small answers stay plain").isEmpty();
    }

    @Test
    void httpAnswersCarryHygieneHeadersAndCorsOnlyForConfiguredOrigins() {
        HttpResponse<String> api = APP.get("/v1/fines");
        assertThat(api.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(api.headers().firstValue("x-frame-options")).hasValue("DENY");
        assertThat(api.headers().firstValue("content-security-policy")).hasValue("default-src 'none'; frame-ancestors 'none'");
        assertThat(api.headers().firstValue("strict-transport-security")).as("plain HTTP").isEmpty();

        HttpResponse<String> preflight = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/v1/fines"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.org").header("Access-Control-Request-Method", "POST").build());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.org");
        assertThat(preflight.headers().firstValue("access-control-allow-headers")).hasValueSatisfying(h -> assertThat(h).contains("authorization"));

        HttpResponse<String> stranger = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines")).header("Origin", "https://evil.example").GET().build());
        assertThat(stranger.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(varyOn(stranger)).containsExactly("accept-encoding");
    }

    @Test
    void anAllowedOriginsAnswerVariesOnTheOriginAndTheEncoding() {
        HttpResponse<String> answer = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines"))
                .header("Origin", "https://app.example.org").GET().build());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.org");
        assertThat(varyOn(answer)).as("a shared cache must key this answer on both").containsExactlyInAnyOrder("origin", "accept-encoding");
    }

    /** What an answer varies on, however the server spread it over Vary lines. */
    private static java.util.List<String> varyOn(HttpResponse<String> answer) {
        return answer.headers().allValues("vary").stream()
                .flatMap(line -> java.util.Arrays.stream(line.split(",")))
                .map(value -> value.strip().toLowerCase(java.util.Locale.ROOT))
                .toList();
    }
}
