package com.finehero.server.platform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.monitoring.v1.GetHealthRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.platform.rpc.GrpcServing;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RawCalls;
import com.google.protobuf.Descriptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What a hostile or unlucky client sends gets a prompt, clear answer, and the log stays short. */
class BadInputTest {

    /** {@code finehero.rpc.max-message-bytes} as application.yaml sets it. */
    private static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final Descriptors.MethodDescriptor GET_FINE =
            FinesProto.getDescriptor().findServiceByName("FinesService").findMethodByName("GetFine");
    private static final Descriptors.MethodDescriptor HEALTH_CHECK =
            HealthProto.getDescriptor().findServiceByName("Health").findMethodByName("Check");
    private static final Duration SHORT = Duration.ofSeconds(2);

    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                logged.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private ManagedChannel ownConnection;

    @BeforeEach
    void captureWarnings() {
        Logger.getLogger("").addHandler(capture);
        // refusals close streams early; a connection of its own keeps them from touching other tests' calls
        ownConnection = ManagedChannelBuilder.forAddress("127.0.0.1", APP.port()).usePlaintext().build();
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger("").removeHandler(capture);
        ownConnection.shutdownNow();
    }

    @Test
    void aMessageOverTheLimitIsRefusedAtOnceNamingTheLimitWithOneLogLine() throws InterruptedException {
        byte[] oversized = new byte[MAX_MESSAGE_BYTES + 1024 * 1024];

        long started = System.nanoTime();
        Status status = RawCalls.call(ownConnection, GET_FINE, admin(), oversized, SHORT);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(status.getCode()).as(String.valueOf(status)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains(String.valueOf(MAX_MESSAGE_BYTES));
        assertThat(took).isLessThan(SHORT);
        // Helidon's own handling logged one SEVERE trace per 16 KB frame; give stragglers time to show
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> logged.size() <= 1);
        assertThat(logged).hasSizeLessThanOrEqualTo(1);
        // the connection is still good for the next call
        assertThat(MonitoringServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(SHORT)
                .getHealth(GetHealthRequest.getDefaultInstance())).isNotNull();
    }

    @Test
    void refusalsFromOnePeerAreLoggedOncePerWindow() throws InterruptedException {
        byte[] oversized = new byte[MAX_MESSAGE_BYTES + 1];
        for (int i = 0; i < 3; i++) {
            assertThat(RawCalls.call(ownConnection, GET_FINE, admin(), oversized, SHORT).getCode())
                    .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> logged.size() <= 1);
        assertThat(logged.stream().filter(r -> r.getLoggerName().equals("finehero.refusals")).count()).isLessThanOrEqualTo(1);
        assertThat(logged).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aMessageJustUnderTheLimitIsRead() throws InterruptedException {
        // a GetFineRequest whose fine_id is 3 MiB: parsed, then refused by validation, not by size
        int idLength = 3 * 1024 * 1024;
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        message.write(0x0a);
        for (int value = idLength; ; value >>>= 7) { // varint length
            if (value < 0x80) {
                message.write(value);
                break;
            }
            message.write((value & 0x7f) | 0x80);
        }
        message.writeBytes("a".repeat(idLength).getBytes(StandardCharsets.US_ASCII));

        Status status = RawCalls.call(ownConnection, GET_FINE, admin(), message.toByteArray(), Duration.ofSeconds(5));

        assertThat(status.getCode()).as(String.valueOf(status)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void aClientStreamIsRefusedAtItsFirstMessageOverTheLimit() throws InterruptedException {
        io.grpc.MethodDescriptor<byte[], byte[]> upload = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
                .setFullMethodName("finehero.documents.v1.DocumentsService/UploadDocument")
                .setRequestMarshaller(RawCalls.Bytes.INSTANCE).setResponseMarshaller(RawCalls.Bytes.INSTANCE).build();
        Metadata credentials = admin(); // a login, if needed, before the short deadline starts
        io.grpc.ClientCall<byte[], byte[]> call = ownConnection.newCall(upload,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(SHORT.toMillis(), TimeUnit.MILLISECONDS));
        Status[] closed = new Status[1];
        CountDownLatch done = new CountDownLatch(1);
        call.start(new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed[0] = status;
                done.countDown();
            }
        }, credentials);
        call.request(1);
        // two messages within the limit, then one over it: the guard follows the framing across them
        call.sendMessage(new byte[100 * 1024]);
        call.sendMessage(new byte[100 * 1024]);
        call.sendMessage(new byte[MAX_MESSAGE_BYTES + 1]);
        call.halfClose();

        assertThat(done.await(SHORT.toMillis() + 5000, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(closed[0].getCode()).as(String.valueOf(closed[0])).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(closed[0].getDescription()).contains("a message of " + (MAX_MESSAGE_BYTES + 1) + " bytes");
    }

    @Test
    void healthCheckWithBytesThatDoNotParseIsInvalidArgument() throws InterruptedException {
        // field 1 declared as a 100-byte string, but the message ends after one byte
        Status status = RawCalls.call(ownConnection, HEALTH_CHECK, admin(), new byte[] {0x0a, 100, 'a'}, SHORT);

        assertThat(status.getCode()).as(String.valueOf(status)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("grpc.health.v1.HealthCheckRequest");
    }

    @Test
    void emptyAndWronglyTypedMessagesAreInvalidArgument() throws InterruptedException {
        assertThat(RawCalls.call(ownConnection, GET_FINE, admin(), new byte[0], SHORT).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        // field 1 (fine_id, a string) sent as a number
        assertThat(RawCalls.call(ownConnection, GET_FINE, admin(), new byte[] {0x08, 0x01}, SHORT).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void anUnknownMethodIsUnimplementedOnGrpcAnd404OnRest() throws Exception {
        Descriptors.MethodDescriptor unknown = Descriptors.FileDescriptor.buildFrom(
                com.google.protobuf.DescriptorProtos.FileDescriptorProto.newBuilder()
                        .setName("unknown.proto").setPackage("finehero.fines.v1")
                        .addMessageType(com.google.protobuf.DescriptorProtos.DescriptorProto.newBuilder().setName("Nothing"))
                        .addService(com.google.protobuf.DescriptorProtos.ServiceDescriptorProto.newBuilder().setName("FinesService")
                                .addMethod(com.google.protobuf.DescriptorProtos.MethodDescriptorProto.newBuilder()
                                        .setName("NoSuchMethod").setInputType(".finehero.fines.v1.Nothing")
                                        .setOutputType(".finehero.fines.v1.Nothing")))
                        .build(), new Descriptors.FileDescriptor[0], true)
                .findServiceByName("FinesService").findMethodByName("NoSuchMethod");

        Status status = RawCalls.call(ownConnection, unknown, admin(), new byte[0], SHORT);

        assertThat(status.getCode()).as(String.valueOf(status)).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(status.getDescription()).contains("finehero.fines.v1.FinesService/NoSuchMethod");
        assertThat(APP.get("/v1/no-such-things/1").statusCode()).isEqualTo(404);
    }

    @Test
    void reflectionListsEachServiceOnce() throws InterruptedException {
        List<String> services = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(APP.channel())
                .withDeadlineAfter(Duration.ofSeconds(5))
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName)
                                .forEach(services::add);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(services).doesNotHaveDuplicates()
                .contains("finehero.fines.v1.FinesService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
    }

    @Test
    void aRestBodyOverTheLimitWithConnectionCloseGetsOneAnswerThenTheEnd() throws IOException {
        // the body's bytes, read as a request, would be a request line far over the prologue limit (414)
        byte[] body = "x".repeat(1024 * 1024 + 64 * 1024).getBytes(StandardCharsets.US_ASCII);
        // with credentials: an anonymous body is refused (401) before its size is looked at
        String head = "POST /v1/fines HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + APP.adminAccessToken() + "\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";

        String answer;
        try (Socket socket = new Socket("127.0.0.1", APP.port())) {
            socket.setSoTimeout(5000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    // the server may close once it has answered; what it answered is what is checked
                }
            });
            answer = readToEnd(socket.getInputStream());
            writer.interrupt();
        }

        Matcher statusLines = Pattern.compile("HTTP/1\\.1 (\\d{3})").matcher(answer);
        List<String> statuses = new ArrayList<>();
        while (statusLines.find()) {
            statuses.add(statusLines.group(1));
        }
        assertThat(statuses).as(answer).containsExactly("413");
        assertThat(answer).contains("BODY_TOO_LARGE");
    }

    @Test
    void aRestBodyOverTheLimitOnAKeptConnectionLeavesItUsable() {
        HttpResponse<String> refused = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"fine\": {\"notes\": \"" + "x".repeat(1100 * 1024) + "\"}}"))
                .build());
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(APP.get("/observe/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void headersOverTheLimitGetOneAnswerThenTheEnd() throws IOException {
        String request = "GET /observe/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "x".repeat(32 * 1024)
                + "\r\n\r\n";
        String answer;
        try (Socket socket = new Socket("127.0.0.1", APP.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            answer = readToEnd(socket.getInputStream());
        }
        assertThat(answer).as(answer).startsWith("HTTP/1.1 400");
        assertThat(Pattern.compile("HTTP/1\\.1 \\d{3}").matcher(answer).results().count()).isEqualTo(1);
    }

    /** The admin's credentials, so a call gets past authentication to what is being tested. */
    private static Metadata admin() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + APP.adminAccessToken());
        return headers;
    }

    /** Reads until the server closes the connection (a timeout fails the test: the server kept it open). */
    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) != -1; ) {
                received.write(buffer, 0, n);
            }
        } catch (java.net.SocketException e) {
            // a reset after the answer still leaves what was received before it
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
