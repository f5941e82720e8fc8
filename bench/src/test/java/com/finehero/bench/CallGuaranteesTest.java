package com.finehero.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The guarantees floor keeps on each call what FineHero keeps with authentication off. */
class CallGuaranteesTest {

    private static final String FINE = "00000000-0000-0000-0000-000000000001";
    private static CallGuarantees guarantees;
    private static CallGuarantees slow;
    private static WebServer server;
    private static WebServer slowServer;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        guarantees = new CallGuarantees(Duration.ofSeconds(30));
        server = HelidonPeer.start(0, () -> true, null, guarantees);
        slow = new CallGuarantees(Duration.ofMillis(200));
        slowServer = WebServer.builder().port(0).routing(http -> http.get("/v1/fines/{fineId}", (req, res) ->
                slow.serve(req, res, () -> {
                    try {
                        Thread.sleep(2_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return new CallGuarantees.Reply(Status.OK_200, "{}".getBytes(), true);
                }))).build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        slowServer.stop();
        guarantees.close();
        slow.close();
    }

    private static HttpResponse<String> get(WebServer on, String id, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + "/v1/fines/" + id)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAnswerCarriesTheSecurityHeadersANewRequestIdAndANewTrace() throws Exception {
        long before = guarantees.calls();
        HttpResponse<String> response = get(server, FINE);
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("\"id\":\"" + FINE + "\""), response.body());
        assertEquals("nosniff", response.headers().firstValue("x-content-type-options").orElse(""));
        assertEquals("DENY", response.headers().firstValue("x-frame-options").orElse(""));
        assertTrue(response.headers().firstValue("x-request-id").orElse("").matches("[0-9a-f-]{36}"), response.headers().toString());
        assertTrue(response.headers().firstValue("traceparent").orElse("").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"),
                response.headers().toString());
        assertEquals(before + 1, callsOnceCounted(before + 1));
    }

    /**
     * The calls counted once {@code expected} have been, or after 5 s: the floor counts a call after writing its
     * answer, so the client can read the answer before the count moves.
     */
    private static long callsOnceCounted(long expected) throws InterruptedException {
        long giveUpAt = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (guarantees.calls() < expected && System.nanoTime() < giveUpAt) {
            Thread.sleep(5);
        }
        return guarantees.calls();
    }

    @Test
    void aSaneRequestIdAndTheCallersTraceAreKeptWithANewSpan() throws Exception {
        String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> response = get(server, FINE, "x-request-id", "caller-id-1", "traceparent", trace);
        assertEquals("caller-id-1", response.headers().firstValue("x-request-id").orElse(""));
        String answered = response.headers().firstValue("traceparent").orElse("");
        assertTrue(answered.startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-") && answered.endsWith("-01"), answered);
        assertNotEquals(trace, answered);
    }

    @Test
    void anIdThatIsNotAUuidIsRefusedWith400() throws Exception {
        HttpResponse<String> response = get(server, "f-2");
        assertEquals(400, response.statusCode());
        assertTrue(response.headers().firstValue("x-request-id").isPresent());
    }

    @Test
    void aCallStillRunningAtItsDeadlineIsAnswered504() throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = get(slowServer, FINE);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(504, response.statusCode());
        assertTrue(millis >= 190 && millis < 1_900, millis + " ms");
        assertFalse(response.body().isEmpty());
    }

    @Test
    void uuidsAreToldFromOtherIds() {
        assertTrue(CallGuarantees.isUuid(FINE));
        assertFalse(CallGuarantees.isUuid("00000000-0000-0000-0000-00000000000g"));
        assertFalse(CallGuarantees.isUuid("000000000-000-0000-0000-000000000001"));
        assertFalse(CallGuarantees.isUuid(null));
        assertTrue(CallGuarantees.isUuid("00000000-0000-0000-0000-00000000000A"), "upper case, as protovalidate takes it");
        assertFalse(CallGuarantees.isUuid("00000000-0000-0000-0000-00000000000\uFF11"), "a fullwidth digit is not a hex digit");
    }
}
