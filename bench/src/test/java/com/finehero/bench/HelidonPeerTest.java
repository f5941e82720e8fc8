package com.finehero.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Helidon peer answers GetFine on one port over gRPC and over the proto's REST route, the fine ArmeriaPeer answers. */
class HelidonPeerTest {

    private static WebServer server;

    @BeforeAll
    static void start() {
        server = HelidonPeer.start(0);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void getFineOverGrpcAnswersAPopulatedFineWithTheAskedId() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
            Fine fine = FinesServiceGrpc.newBlockingStub(channel).getFine(GetFineRequest.newBuilder().setFineId("f-1").build());
            assertEquals("f-1", fine.getId());
            assertEquals(FineStatus.FINE_STATUS_OPEN, fine.getStatus());
            assertTrue(fine.hasAmount() && fine.hasDueTime() && fine.hasCreateTime() && !fine.getOwnerId().isEmpty(), fine.toString());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void getFineOverTheRestRouteAnswersJson() throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/fines/f-2")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertTrue(response.body().contains("\"id\":\"f-2\"") && response.body().contains("\"amountMinor\":\"100\""), response.body());
    }

    /** What the event-loop client does before it loads a target: log in, create a fine, then read it. */
    @Test
    void takesTheEventLoopClientsLoginAndCreateFineThenAnswersTheCreatedId() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
            TokenResponse token = AuthServiceGrpc.newBlockingStub(channel).login(
                    LoginRequest.newBuilder().setUsername("admin").setPassword("any").build());
            assertTrue(!token.getAccessToken().isEmpty() && token.getAccessTokenExpireTime().getSeconds() > System.currentTimeMillis() / 1000,
                    token.toString());
            Fine created = FinesServiceGrpc.newBlockingStub(channel).createFine(CreateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setCitationNumber("LOAD-1")).build());
            Fine read = FinesServiceGrpc.newBlockingStub(channel).getFine(GetFineRequest.newBuilder().setFineId(created.getId()).build());
            assertEquals(created.getId(), read.getId());
            assertTrue(!created.getId().isEmpty());
        } finally {
            channel.shutdownNow();
        }
    }
}
