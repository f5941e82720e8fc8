package com.finehero.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.platform.cache.ReadConfirmationFloor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

/**
 * The Helidon peer and the grpc-java echo with their reads confirmed against Redis (the machine's,
 * FINEHERO_TEST_REDIS): each answers while Redis holds its copy's version, and refuses once another
 * writer changed it, so every read asks.
 */
class ReadConfirmationFloorTest {

    private static final String PREFIX = "bench-floor-test-" + ProcessHandle.current().pid();
    private static final String REDIS = System.getenv().getOrDefault("FINEHERO_TEST_REDIS", "redis://127.0.0.1:6379");

    private ReadConfirmationFloor confirmation;
    private WebServer server;
    private Server echo;
    private RedissonClient otherInstance;

    @BeforeEach
    void start() {
        confirmation = ReadConfirmationFloor.connect(REDIS, PREFIX);
        server = HelidonPeer.start(0, () -> true, confirmation);
        try {
            echo = EchoServer.start(0, confirmation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Config config = new Config();
        config.useSingleServer().setAddress(REDIS);
        otherInstance = Redisson.create(config);
    }

    @AfterEach
    void stop() {
        otherInstance.getBucket(ReadConfirmationFloor.versionKey(PREFIX)).delete();
        otherInstance.shutdown();
        server.stop();
        echo.shutdownNow();
        confirmation.close();
    }

    @Test
    void readsAreAnsweredWhileRedisHoldsTheCopysVersionAndRefusedOnceAnotherWriterChangedIt() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        ManagedChannel echoChannel = NettyChannelBuilder.forAddress("127.0.0.1", echo.getPort()).usePlaintext().build();
        try {
            FinesServiceGrpc.FinesServiceBlockingStub stub = FinesServiceGrpc.newBlockingStub(channel);
            FinesServiceGrpc.FinesServiceBlockingStub echoStub = FinesServiceGrpc.newBlockingStub(echoChannel);
            GetFineRequest request = GetFineRequest.newBuilder().setFineId("f-1").build();
            assertEquals("f-1", stub.getFine(request).getId());
            assertEquals("f-1", echoStub.getFine(request).getId());
            assertEquals(200, rest().statusCode());

            otherInstance.getBucket(ReadConfirmationFloor.versionKey(PREFIX), ByteArrayCodec.INSTANCE)
                    .set("00000000000000000002".getBytes(StandardCharsets.US_ASCII));

            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub.getFine(request));
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
            StatusRuntimeException echoRefused = assertThrows(StatusRuntimeException.class, () -> echoStub.getFine(request));
            assertEquals(Status.Code.UNAVAILABLE, echoRefused.getStatus().getCode());
            HttpResponse<String> restRefused = rest();
            assertEquals(503, restRefused.statusCode());
            assertTrue(restRefused.body().contains("could not be confirmed"), restRefused.body());
        } finally {
            channel.shutdownNow();
            echoChannel.shutdownNow();
        }
    }

    @Test
    void closingTheFloorRemovesItsVersionFromRedis() {
        String prefix = PREFIX + "-closed";
        ReadConfirmationFloor floor = ReadConfirmationFloor.connect(REDIS, prefix);
        assertTrue(otherInstance.getBucket(ReadConfirmationFloor.versionKey(prefix)).isExists());
        floor.close();
        assertFalse(otherInstance.getBucket(ReadConfirmationFloor.versionKey(prefix)).isExists());
    }

    private HttpResponse<String> rest() throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/fines/f-2")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
