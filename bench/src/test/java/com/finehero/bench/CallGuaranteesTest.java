package com.finehero.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.platform.rpc.CallerDeadline;
import com.finehero.server.platform.rpc.FineHeroGrpcTransport;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
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
    private static CallGuarantees slowGrpc;
    private static Server slowGrpcServer;
    private static ManagedChannel channel;
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
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        slowGrpc = new CallGuarantees(Duration.ofSeconds(30));
        try {
            slowGrpcServer = NettyServerBuilder.forPort(0).addService(ServerInterceptors.intercept(new FinesServiceGrpc.FinesServiceImplBase() {
                @Override
                public void getFine(GetFineRequest request, StreamObserver<Fine> response) {
                    try {
                        Thread.sleep(2_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    response.onNext(Fine.getDefaultInstance());
                    response.onCompleted();
                }
            }, slowGrpc.grpc())).build().start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        slowGrpcServer.shutdownNow();
        slowGrpc.close();
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
        return callsOnceCounted(guarantees, expected);
    }

    private static long callsOnceCounted(CallGuarantees counted, long expected) throws InterruptedException {
        long giveUpAt = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (counted.calls() < expected && System.nanoTime() < giveUpAt) {
            Thread.sleep(5);
        }
        return counted.calls();
    }

    /** A gRPC GetFine of {@code id} with {@code sent} as its headers; the answer's headers and trailers land in the two references. */
    private static Fine grpcGetFine(String id, Metadata sent, AtomicReference<Metadata> headers, AtomicReference<Metadata> trailers) {
        return FinesServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
                        MetadataUtils.newAttachHeadersInterceptor(sent), MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)))
                .getFine(GetFineRequest.newBuilder().setFineId(id).build());
    }

    @Test
    void aGrpcAnswerCarriesANewRequestIdAndANewTraceInItsHeadersAndIsCounted() throws Exception {
        long before = guarantees.calls();
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Fine fine = grpcGetFine(FINE, new Metadata(), headers, trailers);
        assertEquals(FINE, fine.getId());
        String requestId = headers.get().get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER));
        String trace = headers.get().get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER));
        assertTrue(requestId != null && requestId.matches("[0-9a-f-]{36}"), headers.get().toString());
        assertTrue(trace != null && trace.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"), headers.get().toString());
        assertEquals(before + 1, callsOnceCounted(before + 1));
    }

    @Test
    void aGrpcCallKeepsTheCallersRequestIdAndTrace() {
        Metadata sent = new Metadata();
        sent.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "caller-id-2");
        sent.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        AtomicReference<Metadata> headers = new AtomicReference<>();
        grpcGetFine(FINE, sent, headers, new AtomicReference<>());
        assertEquals("caller-id-2", headers.get().get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER)));
        String answered = headers.get().get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER));
        assertTrue(answered.startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-") && !answered.contains("00f067aa0ba902b7"), answered);
    }

    @Test
    void aGrpcIdThatIsNotAUuidIsRefusedInvalidArgumentWithTheRequestIdInTheTrailers() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> grpcGetFine("f-3", new Metadata(), new AtomicReference<>(), trailers));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(trailers.get().containsKey(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER)), trailers.get().toString());
    }

    /** The floor's gRPC streams pass FineHero's own guard, which answers a message over the limit at once. */
    @Test
    void aGrpcMessageOverTheLimitIsRefusedResourceExhausted() {
        String huge = "x".repeat(FineHeroGrpcTransport.MAX_MESSAGE_BYTES + 1);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> FinesServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).getFine(GetFineRequest.newBuilder().setFineId(huge).build()));
        assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getStatus().toString());
    }

    /** The client gives up at its deadline on its own; the server's answer, counted when the call closes, shows that it closed it too. */
    @Test
    void aGrpcCallStillRunningAtTheCallersDeadlineIsClosedByTheServer() throws Exception {
        ManagedChannel slowChannel = NettyChannelBuilder.forAddress("127.0.0.1", slowGrpcServer.getPort()).usePlaintext().build();
        try {
            long started = System.nanoTime();
            StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> FinesServiceGrpc.newBlockingStub(slowChannel)
                    .withDeadlineAfter(200, TimeUnit.MILLISECONDS).getFine(GetFineRequest.newBuilder().setFineId(FINE).build()));
            assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
            assertEquals(1, callsOnceCounted(slowGrpc, 1));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 1_500, "closed after " + millis + " ms, while the service sleeps 2,000 ms");
        } finally {
            slowChannel.shutdownNow();
        }
    }

    @Test
    void grpcTimeoutsAreReadAsFineHeroReadsThem() {
        long twoHundredMillis = CallerDeadline.nanos("200m");
        assertTrue(twoHundredMillis > TimeUnit.MILLISECONDS.toNanos(150) && twoHundredMillis <= TimeUnit.MILLISECONDS.toNanos(200),
                twoHundredMillis + " ns");
        assertTrue(CallerDeadline.nanos("1H") > TimeUnit.MINUTES.toNanos(59));
        assertEquals(-1, CallerDeadline.nanos(null));
        assertEquals(-1, CallerDeadline.nanos("m"));
        assertEquals(-1, CallerDeadline.nanos("123456789m"), "more than 8 digits");
        assertEquals(-1, CallerDeadline.nanos("5x"));
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
