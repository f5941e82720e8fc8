package com.finehero.server.auth;

import java.time.Duration;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LogoutRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The app prunes its deny-list on its own schedule, so logouts do not pile up in memory. */
class RevocationSweepTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2).with("finehero.auth.revocation-sweep", "PT0.05S");

    @Test
    void aLogoutIsForgottenOnceTheTokenItDeniesHasExpired() {
        TestSession user = APP.userWith(Role.ROLE_VIEWER);
        AuthServiceGrpc.newBlockingStub(user.channel()).logout(LogoutRequest.getDefaultInstance());
        Revocations revocations = APP.app().revocations();
        assertThat(revocations.deniedTokenIds()).as("the logged-out token, while it could still be used").hasSize(1);

        Duration tokenLifetime = AuthConfig.from(APP.config().get("finehero.auth")).accessTokenTtl();
        APP.clock().advance(tokenLifetime.plus(AccessTokens.LEEWAY).plusSeconds(1));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(revocations.deniedTokenIds()).isEmpty());
    }
}
