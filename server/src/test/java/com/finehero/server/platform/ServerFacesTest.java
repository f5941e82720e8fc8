package com.finehero.server.platform;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The standard faces every operator and tool expects: gRPC health, reflection, HTTP probes, metrics. */
class ServerFacesTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void grpcHealthIsServingOverallAndPerService() {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(APP.channel())
                .withDeadlineAfter(Duration.ofSeconds(5));
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("finehero.fines.v1.FinesService").build())
                .getStatus()).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void reflectionListsTheServices() throws InterruptedException {
        List<String> services = new ArrayList<>();
        reflect(ServerReflectionRequest.newBuilder().setListServices("").build()).forEach(response ->
                response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).forEach(services::add));
        assertThat(services).contains("finehero.fines.v1.FinesService", "grpc.health.v1.Health");
    }

    @Test
    void reflectionDescribesAServiceFile() throws InterruptedException {
        List<ServerReflectionResponse> responses = reflect(ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("finehero.fines.v1.FinesService").build());
        assertThat(responses).singleElement()
                .satisfies(r -> assertThat(r.getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive());
    }

    /** One request on the reflection stream, as grpcurl sends it; returns every response. */
    private static List<ServerReflectionResponse> reflect(ServerReflectionRequest request) throws InterruptedException {
        List<ServerReflectionResponse> responses = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(APP.channel())
                .withDeadlineAfter(Duration.ofSeconds(5))
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        responses.add(response);
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
        requests.onNext(request);
        requests.onCompleted();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        return responses;
    }

    @Test
    void httpProbesAndMetricsAnswer() {
        HttpResponse<String> ready = APP.get("/observe/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"database\":\"UP\"");
        assertThat(APP.get("/observe/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = APP.get("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE");
    }

    @Test
    void openApiDocumentAndPageAreServed() {
        HttpResponse<String> document = APP.get("/openapi.json");
        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.body()).contains("\"/v1/fines/{fine_id}:contest\"").contains("FinesService_PayFine");
        assertThat(APP.get("/openapi.yaml").body()).startsWith("openapi:");
        assertThat(APP.get("/api").headers().firstValue("content-security-policy")).isPresent();
    }

    @Test
    void unknownGrpcMethodFailsPromptly() {
        MethodDescriptor<byte[], byte[]> unknown = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("finehero.fines.v1.FinesService/NoSuchMethod")
                .setRequestMarshaller(com.finehero.server.testing.RawCalls.Bytes.INSTANCE)
                .setResponseMarshaller(com.finehero.server.testing.RawCalls.Bytes.INSTANCE)
                .build();
        // Its own connection: an unknown method is answered before the client has finished sending, and a
        // late RST_STREAM from the client can race Helidon 4.5's stream cleanup into a connection-wide
        // GOAWAY that fails whatever else is in flight on the connection (docs/api.md, Gotchas).
        ManagedChannel ownConnection = ManagedChannelBuilder.forAddress("localhost", APP.port()).usePlaintext().build();
        try {
            Status status = RawCalls.unary(ownConnection, unknown, new byte[0], Duration.ofSeconds(5));
            assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        } finally {
            ownConnection.shutdownNow();
        }
    }

    @Test
    void requestBytesThatDoNotParseGetAPromptInvalidArgument() {
        MethodDescriptor<byte[], byte[]> getFine = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("finehero.fines.v1.FinesService/GetFine")
                .setRequestMarshaller(com.finehero.server.testing.RawCalls.Bytes.INSTANCE)
                .setResponseMarshaller(com.finehero.server.testing.RawCalls.Bytes.INSTANCE)
                .build();
        // field 1 declared as a 100-byte string, but the message ends after 3 bytes
        Status status = RawCalls.unary(APP.channel(), getFine, new byte[] {0x0a, 100, 'a', 'b', 'c'}, Duration.ofSeconds(5));
        assertThat(status.getCode()).as(String.valueOf(status)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("finehero.fines.v1.GetFineRequest");
    }

    static final class RawCalls {
        static Status unary(io.grpc.Channel channel, MethodDescriptor<byte[], byte[]> method, byte[] body, Duration deadline) {
            ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
            Status[] result = new Status[1];
            CountDownLatch closed = new CountDownLatch(1);
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    result[0] = status;
                    closed.countDown();
                }
            }, new Metadata());
            call.sendMessage(body);
            call.halfClose();
            call.request(1);
            try {
                closed.await(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return result[0];
        }
    }
}
