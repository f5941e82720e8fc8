package com.finehero.server.platform.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import com.finehero.api.auth.v1.AuditEvent;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.ListAuditEventsRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-address limit comes before credentials are looked at, on both protocols; refused calls
 * are audited as a few rows and a count; the REST bridge refuses an upload from its headers, before
 * its body; and observe shows details and metrics to admins and analysts only.
 */
class AddressLimitTest {

    private static final int PER_ADDRESS = 40;
    private static final int AUDITED = 5;

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.security.rate-limits.per-address", Integer.toString(PER_ADDRESS))
            .with("finehero.security.rate-limits.audited-refusals-per-address", Integer.toString(AUDITED))
            .with("finehero.rest.max-line", "4096");

    /** Every test starts with a full bucket for 127.0.0.1 and a new audit minute. */
    @BeforeEach
    void newMinute() {
        APP.clock().advance(Duration.ofMinutes(2));
    }

    @Test
    void garbageTokensFromOneAddressAreCutOffAndAuditedAsACount() throws IOException {
        TestSession elsewhere = APP.userWith(Role.ROLE_VIEWER);
        String elsewhereToken = elsewhere.accessToken();
        APP.clock().advance(Duration.ofMinutes(2));

        Metadata garbage = new Metadata();
        garbage.put(Authenticator.AUTHORIZATION, "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        var fines = FinesServiceGrpc.newBlockingStub(APP.anonymousChannel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(garbage));
        Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
        for (int i = 0; i < 300; i++) {
            try {
                fines.createFine(CreateFineRequest.getDefaultInstance());
                codes.merge(Status.Code.OK, 1, Integer::sum);
            } catch (StatusRuntimeException e) {
                codes.merge(e.getStatus().getCode(), 1, Integer::sum);
            }
        }
        assertThat(codes).containsEntry(Status.Code.UNAUTHENTICATED, PER_ADDRESS)
                .containsEntry(Status.Code.RESOURCE_EXHAUSTED, 300 - PER_ADDRESS).hasSize(2);

        HttpResponse<String> rest = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/v1/fines"))
                .header("authorization", "Bearer garbage").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(rest.statusCode()).as("REST shares the address's minute").isEqualTo(429);
        assertThat(rest.headers().firstValue("retry-after")).isPresent();
        assertThat(rest.body()).contains("ADDRESS_RATE_LIMITED");

        String other = rawHttp(InetAddress.getByName("127.0.0.2"),
                "GET /v1/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + elsewhereToken + "\r\nConnection: close\r\n\r\n", null);
        assertThat(other).as("a user at another address is not limited").startsWith("HTTP/1.1 200").contains(elsewhere.userId());

        APP.clock().advance(Duration.ofMinutes(2));
        // the address's next refusal closes its last minute into a summary
        try {
            fines.createFine(CreateFineRequest.getDefaultInstance());
        } catch (StatusRuntimeException expected) {
            assertThat(expected.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
        List<AuditEvent> events = AuthServiceGrpc.newBlockingStub(APP.channel()).listAuditEvents(ListAuditEventsRequest.newBuilder()
                .setMethod("CreateFine").setPageSize(500).build()).getEventsList();
        List<AuditEvent> inFull = events.stream().filter(e -> !e.getOutcome().equals("REFUSALS_SUMMARY")).toList();
        assertThat(inFull).as("refusals recorded one by one: %d a minute, and the new minute's first", AUDITED)
                .hasSize(AUDITED + 1);
        assertThat(events).filteredOn(e -> e.getOutcome().equals("REFUSALS_SUMMARY")).singleElement().satisfies(summary -> {
            assertThat(summary.getResource()).isEqualTo("refused=" + (300 + 1 - AUDITED));
            assertThat(summary.getPeer()).isEqualTo("127.0.0.1");
        });
    }

    @Test
    void anAnonymousUploadIsRefusedWhileItsBodyIsStillComing() throws IOException {
        long bodyBytes = 15L * 1024 * 1024;
        String head = "POST /v1/documents:upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                + "Content-Length: " + bodyBytes + "\r\n\r\n{\"header\":{\"title\":\"";
        long started = System.nanoTime();
        String answer = rawHttp(InetAddress.getLoopbackAddress(), head, 64 * 1024);
        assertThat(answer).startsWith("HTTP/1.1 401").contains("CREDENTIALS_MISSING");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anNdjsonLineOverTheLimitIs413NamingIt() {
        String line = "{\"header\":{\"title\":\"" + "x".repeat(10_000) + "\"}}\n";
        HttpResponse<String> response = APP.send(HttpRequest.newBuilder(APP.uri("/v1/documents:upload"))
                .header("content-type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(line)).build());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("LINE_TOO_LARGE").contains("NDJSON line 1").contains("4096");
    }

    @Test
    void observeShowsDetailsAndMetricsToAdminsAndAnalystsOnly() {
        APP.app().health().checkNow();
        HttpResponse<String> anonymous = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/observe/health")).GET().build());
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(anonymous.body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/observe/health/ready")).GET().build()).statusCode()).isEqualTo(200);
        assertThat(APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/observe/health/live")).GET().build()).statusCode()).isEqualTo(200);
        assertThat(APP.get("/observe/health").body()).as("an admin sees the details").contains("\"checks\"");

        assertThat(APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/observe/metrics")).GET().build()).statusCode()).isEqualTo(401);
        TestSession viewer = APP.userWith(Role.ROLE_VIEWER);
        assertThat(APP.send(HttpRequest.newBuilder(APP.uri("/observe/metrics"))
                .header("authorization", "Bearer " + viewer.accessToken()).GET().build()).statusCode()).isEqualTo(403);
        TestSession analyst = APP.userWith(Role.ROLE_ANALYST);
        HttpResponse<String> metrics = APP.send(HttpRequest.newBuilder(APP.uri("/observe/metrics"))
                .header("authorization", "Bearer " + analyst.accessToken()).GET().build());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE");

        // what a Prometheus scrape sends: a long-lived analyst's API key as the bearer value
        String key = com.finehero.api.auth.v1.AuthServiceGrpc.newBlockingStub(analyst.channel())
                .createApiKey(com.finehero.api.auth.v1.CreateApiKeyRequest.newBuilder().setName("prometheus").build()).getSecret();
        HttpResponse<String> scraped = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/observe/metrics"))
                .header("authorization", "Bearer " + key).GET().build());
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.body()).contains("# TYPE");
        String viewerKey = com.finehero.api.auth.v1.AuthServiceGrpc.newBlockingStub(viewer.channel())
                .createApiKey(com.finehero.api.auth.v1.CreateApiKeyRequest.newBuilder().setName("not for metrics").build()).getSecret();
        assertThat(APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/observe/metrics"))
                .header("authorization", "Bearer " + viewerKey).GET().build()).statusCode()).isEqualTo(403);
    }

    /**
     * Sends {@code head} from {@code local}, then (if {@code paddingBytes} is given) that many body
     * bytes, and reads the answer without sending the rest of the body.
     */
    private static String rawHttp(InetAddress local, String head, Integer paddingBytes) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), APP.port(), local, 0)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            if (paddingBytes != null) {
                out.write("a".repeat(paddingBytes).getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[8192];
            int read;
            try {
                while ((read = in.read(buffer)) > 0) {
                    answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                    if (paddingBytes != null && answer.indexOf("\r\n\r\n") > 0 && answer.indexOf("}") > 0) {
                        break;
                    }
                }
            } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
                // the answer so far
            }
            return answer.toString();
        }
    }
}
