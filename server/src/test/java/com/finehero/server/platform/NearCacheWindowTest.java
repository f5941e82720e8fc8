package com.finehero.server.platform;

import java.time.Duration;

import com.finehero.api.fines.v1.ContestFineRequest;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relaxed near-cache mode ({@code finehero.cache.near-trusted-for: PT0.1S}) on two instances
 * sharing PostgreSQL and Redis, with the test's clock: another instance's change is served stale for at
 * most the window, the instance that made it never serves the old value.
 */
class NearCacheWindowTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS).with("finehero.cache.near-trusted-for", "PT0.1S");

    @Test
    void anotherInstancesChangeIsServedAfterAtMostTheWindow() throws Exception {
        try (FineHeroApp sibling = APP.startSibling(); FineHeroClient siblingClient = APP.clientFor(sibling)) {
            var a = FinesServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(10));
            var b = FinesServiceGrpc.newBlockingStub(siblingClient.channel()).withDeadlineAfter(Duration.ofSeconds(10));
            Fine created = Fixtures.fine(APP, APP.channel(), "W-1", "XW");
            GetFineRequest get = GetFineRequest.newBuilder().setFineId(created.getId()).build();
            assertThat(b.getFine(get)).isEqualTo(created); // b keeps a near copy
            assertThat(b.getFine(get)).isEqualTo(created); // which Redis confirms now

            Fine contested = a.contestFine(ContestFineRequest.newBuilder().setFineId(created.getId())
                    .setReason("The sign was covered by a tree.").build());

            assertThat(a.getFine(get)).isEqualTo(contested);
            assertThat(b.getFine(get)).as("within the window b may serve its copy").isEqualTo(created);
            APP.clock().advance(Duration.ofMillis(99));
            assertThat(b.getFine(get)).isEqualTo(created);
            APP.clock().advance(Duration.ofMillis(1));
            assertThat(b.getFine(get).getStatus()).as("after the window b asks Redis").isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
            assertThat(b.getFine(get)).isEqualTo(contested);
        }
    }
}
