package com.finehero.server.client;

import java.time.Duration;

import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.RpcStats;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client given several instances ({@code alsoTarget}) without a load balancer: its calls are spread
 * over all of them, and once one stops, every call is answered by the others.
 */
class ClientTargetsTest {

    private static final String LIST_FINES = "finehero.fines.v1.FinesService/ListFines";

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            // one signing key for both instances, as in production: a session from one is good on the other
            .with("finehero.auth.jwt.keys", TestKeys.JWK_SET);

    @Test
    void callsAreSpreadOverEveryInstanceAndSkipOneThatStopped() {
        FineHeroApp sibling = APP.startSibling();
        try (FineHeroClient spread = FineHeroClient.builder().target("127.0.0.1", APP.port()).alsoTarget("127.0.0.1", sibling.port())
                .deadline(Duration.ofSeconds(20)).credentials(FineHeroExtension.ADMIN_USERNAME, FineHeroExtension.ADMIN_PASSWORD).build();
             FineHeroClient onSibling = APP.clientFor(sibling)) {
            long firstBefore = listCalls(APP.client());
            long siblingBefore = listCalls(onSibling);
            for (int i = 0; i < 20; i++) {
                spread.fines().listFines(ListFinesRequest.getDefaultInstance());
            }
            assertThat(listCalls(APP.client()) - firstBefore).as("calls the first instance answered").isPositive();
            assertThat(listCalls(onSibling) - siblingBefore).as("calls the second instance answered").isPositive();

            onSibling.close();
            sibling.close();
            long afterStop = listCalls(APP.client());
            // the stopped instance leaves the rotation; the client's retry of a read covers a call caught in between
            for (int i = 0; i < 20; i++) {
                spread.fines().listFines(ListFinesRequest.getDefaultInstance());
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(listCalls(APP.client()) - afterStop).as("calls the remaining instance answered").isGreaterThanOrEqualTo(20));
        } finally {
            sibling.close();
        }
    }

    private static long listCalls(FineHeroClient client) {
        return client.monitoring().getMetrics(GetMetricsRequest.getDefaultInstance()).getRpcsList().stream()
                .filter(r -> r.getMethod().equals(LIST_FINES)).mapToLong(RpcStats::getCalls).sum();
    }
}
