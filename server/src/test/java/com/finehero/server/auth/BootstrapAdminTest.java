package com.finehero.server.auth;

import java.time.Duration;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.ChangePasswordRequest;
import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.FineHeroExtension.ADMIN_PASSWORD;
import static com.finehero.server.testing.FineHeroExtension.ADMIN_USERNAME;
import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;

/** The bootstrap admin's configured password must be changed before the admin can sign in. */
class BootstrapAdminTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.auth.bootstrap-admin.must-change-password", "true");

    @Test
    void theConfiguredPasswordOnlyServesToChangeIt() {
        var anonymous = AuthServiceGrpc.newBlockingStub(APP.anonymousChannel());
        StatusRuntimeException wrong = failure(Status.Code.UNAUTHENTICATED, () -> anonymous.login(LoginRequest.newBuilder()
                .setUsername(ADMIN_USERNAME).setPassword("not the password").build()));
        assertThat(reason(wrong)).as("a wrong password learns nothing of the flag").isEqualTo("LOGIN_FAILED");
        StatusRuntimeException mustChange = failure(Status.Code.FAILED_PRECONDITION, () -> anonymous.login(LoginRequest.newBuilder()
                .setUsername(ADMIN_USERNAME).setPassword(ADMIN_PASSWORD).build()));
        assertThat(reason(mustChange)).isEqualTo("PASSWORD_CHANGE_REQUIRED");
        assertThat(mustChange.getStatus().getDescription()).contains("ChangePassword");
        assertThat(APP.sendAnonymous(java.net.http.HttpRequest.newBuilder(APP.uri("/v1/auth/login")).header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"username\":\"" + ADMIN_USERNAME + "\",\"password\":\""
                        + ADMIN_PASSWORD + "\"}")).build()).statusCode()).isEqualTo(400);

        ChangePasswordRequest.Builder change = ChangePasswordRequest.newBuilder().setUsername(ADMIN_USERNAME)
                .setCurrentPassword(ADMIN_PASSWORD).setNewPassword(ADMIN_PASSWORD);
        assertThat(reason(failure(Status.Code.INVALID_ARGUMENT, () -> anonymous.changePassword(change.build()))))
                .isEqualTo("PASSWORD_UNCHANGED");
        TokenResponse changed = anonymous.changePassword(change.setNewPassword("the admin's own password").build());
        assertThat(changed.getUser().getMustChangePassword()).isFalse();
        try (FineHeroClient admin = FineHeroClient.builder().target("127.0.0.1", APP.port())
                .credentials(Credentials.login(ADMIN_USERNAME, "the admin's own password", APP.clock())).build()) {
            APP.clock().advance(Duration.ofSeconds(2));
            assertThat(AuthServiceGrpc.newBlockingStub(admin.channel()).getMe(GetMeRequest.getDefaultInstance()).getUser().getUsername())
                    .isEqualTo(ADMIN_USERNAME);
        }
    }
}
