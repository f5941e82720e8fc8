package com.finehero.bench.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The peer answers GetFine on one port over gRPC and over the proto's REST route, the same populated fine. */
class ArmeriaPeerTest {

    private static Server server;

    @BeforeAll
    static void start() {
        server = ArmeriaPeer.start(0);
    }

    @AfterAll
    static void stop() {
        server.stop().join();
    }

    @Test
    void getFineOverGrpcAnswersAPopulatedFineWithTheAskedId() {
        FinesServiceGrpc.FinesServiceBlockingStub fines = GrpcClients.newClient(base(), FinesServiceGrpc.FinesServiceBlockingStub.class);
        Fine fine = fines.getFine(GetFineRequest.newBuilder().setFineId("f-1").build());
        assertEquals("f-1", fine.getId());
        assertEquals(FineStatus.FINE_STATUS_OPEN, fine.getStatus());
        assertTrue(fine.hasAmount() && fine.hasDueTime() && fine.hasCreateTime() && !fine.getOwnerId().isEmpty(), fine.toString());
    }

    @Test
    void getFineOverTheProtosRestRouteAnswersJson() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(base() + "/v1/fines/f-2")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertTrue(response.body().contains("\"id\":\"f-2\"") && response.body().contains("\"amountMinor\":\"100\""), response.body());
    }

    private static String base() {
        return "http://127.0.0.1:" + server.activeLocalPort();
    }
}
