package com.finehero.server.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.finehero.api.auth.v1.AuthProto;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.ChangePasswordRequest;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.auth.v1.CreateApiKeyResponse;
import com.finehero.api.auth.v1.CredentialKind;
import com.finehero.api.auth.v1.DeleteUserRequest;
import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.api.auth.v1.ListApiKeysRequest;
import com.finehero.api.auth.v1.ListApiKeysResponse;
import com.finehero.api.auth.v1.ListAuditEventsRequest;
import com.finehero.api.auth.v1.ListAuditEventsResponse;
import com.finehero.api.auth.v1.ListUsersRequest;
import com.finehero.api.auth.v1.ListUsersResponse;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.LogoutRequest;
import com.finehero.api.auth.v1.RefreshRequest;
import com.finehero.api.auth.v1.ResetPasswordRequest;
import com.finehero.api.auth.v1.ResetPasswordResponse;
import com.finehero.api.auth.v1.RevokeApiKeyRequest;
import com.finehero.api.auth.v1.RevokeUserTokensRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.SetUserDisabledRequest;
import com.finehero.api.auth.v1.SetUserRolesRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.api.auth.v1.User;
import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.finehero.server.testing.TestSession;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static com.finehero.server.testing.GrpcErrors.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;

/** Sessions, users and API keys end to end, on the embedded database and on PostgreSQL + Redis. */
abstract class AuthFlowContractTest {

    abstract FineHeroExtension app();

    private AuthServiceGrpc.AuthServiceBlockingStub anonymous() {
        return AuthServiceGrpc.newBlockingStub(app().anonymousChannel());
    }

    private AuthServiceGrpc.AuthServiceBlockingStub as(String accessToken) {
        return AuthServiceGrpc.newBlockingStub(app().anonymousChannel()).withCallCredentials(new io.grpc.CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, java.util.concurrent.Executor executor, MetadataApplier applier) {
                io.grpc.Metadata headers = new io.grpc.Metadata();
                headers.put(Credentials.AUTHORIZATION, "Bearer " + accessToken);
                applier.apply(headers);
            }
        });
    }

    private TokenResponse login(TestSession user) {
        return anonymous().login(LoginRequest.newBuilder().setUsername(user.username()).setPassword(user.password()).build());
    }

    @Test
    void loginGivesTokensThatIdentifyTheUser() {
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        TokenResponse tokens = login(viewer);
        assertThat(tokens.getTokenType()).isEqualTo("Bearer");
        assertThat(tokens.getUser().getUserId()).isEqualTo(viewer.userId());
        var me = as(tokens.getAccessToken()).getMe(GetMeRequest.getDefaultInstance());
        assertThat(me.getUser().getUsername()).isEqualTo(viewer.username());
        assertThat(me.getRolesList()).containsExactly(Role.ROLE_VIEWER);
        assertThat(me.getCredentialKind()).isEqualTo(CredentialKind.CREDENTIAL_KIND_ACCESS_TOKEN);
        assertThat(anonymous().login(LoginRequest.newBuilder().setUsername(viewer.username().toUpperCase())
                .setPassword(viewer.password()).build()).getUser().getUserId()).as("usernames ignore case").isEqualTo(viewer.userId());
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameAnswer() {
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        StatusRuntimeException wrong = failure(Status.Code.UNAUTHENTICATED, () -> anonymous().login(LoginRequest.newBuilder()
                .setUsername(viewer.username()).setPassword("not the password").build()));
        StatusRuntimeException unknown = failure(Status.Code.UNAUTHENTICATED, () -> anonymous().login(LoginRequest.newBuilder()
                .setUsername("nobody-" + viewer.username()).setPassword("not the password").build()));
        assertThat(wrong.getStatus().getDescription()).isEqualTo(unknown.getStatus().getDescription()).isEqualTo("wrong username or password");
        assertThat(reason(wrong)).isEqualTo(reason(unknown));
    }

    @Test
    void refreshRotatesAndAReusedRefreshTokenEndsTheFamily() {
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        TokenResponse first = login(viewer);
        TokenResponse second = anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(first.getRefreshToken()).build());
        assertThat(second.getRefreshToken()).isNotEqualTo(first.getRefreshToken());
        // the first token again: stolen or replayed, so the whole family goes
        failure(Status.Code.UNAUTHENTICATED, () -> anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(first.getRefreshToken()).build()));
        StatusRuntimeException revoked = failure(Status.Code.UNAUTHENTICATED,
                () -> anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(second.getRefreshToken()).build()));
        assertThat(revoked.getStatus().getDescription()).contains("log in again");
    }

    @Test
    void logoutRevokesTheAccessTokenAndTheSession() {
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        TokenResponse tokens = login(viewer);
        as(tokens.getAccessToken()).logout(LogoutRequest.newBuilder().setRefreshToken(tokens.getRefreshToken()).build());
        StatusRuntimeException refused = failure(Status.Code.UNAUTHENTICATED, () -> as(tokens.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()));
        assertThat(reason(refused)).isEqualTo("TOKEN_REVOKED");
        failure(Status.Code.UNAUTHENTICATED, () -> anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(tokens.getRefreshToken()).build()));
        assertThat(as(login(viewer).getAccessToken()).getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId())
                .as("a new login works").isEqualTo(viewer.userId());
    }

    @Test
    void anAdminDisablesAUserAndEveryTokenOfTheirsStopsWorking() {
        TestSession analyst = app().userWith(Role.ROLE_ANALYST);
        TokenResponse tokens = login(analyst);
        var admin = AuthServiceGrpc.newBlockingStub(app().channel());
        admin.setUserDisabled(SetUserDisabledRequest.newBuilder().setUserId(analyst.userId()).setDisabled(true).build());
        failure(Status.Code.UNAUTHENTICATED, () -> as(tokens.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()));
        failure(Status.Code.UNAUTHENTICATED, () -> anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(tokens.getRefreshToken()).build()));
        StatusRuntimeException login = failure(Status.Code.UNAUTHENTICATED, () -> login(analyst));
        assertThat(login.getStatus().getDescription()).isEqualTo("wrong username or password");

        admin.setUserDisabled(SetUserDisabledRequest.newBuilder().setUserId(analyst.userId()).setDisabled(false).build());
        app().clock().advance(Duration.ofSeconds(1));
        assertThat(as(login(analyst).getAccessToken()).getMe(GetMeRequest.getDefaultInstance()).getUser().getDisabled()).isFalse();
    }

    @Test
    void revokingAUsersTokensKeepsLaterLoginsWorking() {
        TestSession viewer = app().userWith(Role.ROLE_VIEWER);
        TokenResponse before = login(viewer);
        AuthServiceGrpc.newBlockingStub(app().channel()).revokeUserTokens(RevokeUserTokensRequest.newBuilder().setUserId(viewer.userId()).build());
        failure(Status.Code.UNAUTHENTICATED, () -> as(before.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()));
        app().clock().advance(Duration.ofSeconds(1));
        assertThat(as(login(viewer).getAccessToken()).getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId()).isEqualTo(viewer.userId());
    }

    @Test
    void rolesChangedByAnAdminApplyToTheNextLogin() {
        TestSession user = app().userWith(Role.ROLE_VIEWER);
        var admin = AuthServiceGrpc.newBlockingStub(app().channel());
        admin.setUserRoles(SetUserRolesRequest.newBuilder().setUserId(user.userId()).addRoles(Role.ROLE_ANALYST).build());
        assertThat(as(login(user).getAccessToken()).getMe(GetMeRequest.getDefaultInstance()).getRolesList()).containsExactly(Role.ROLE_ANALYST);
        assertThat(admin.listUsers(ListUsersRequest.newBuilder().setPageSize(500).build()).getUsersList())
                .anySatisfy(u -> assertThat(u.getUserId()).isEqualTo(user.userId()));
    }

    @Test
    void anApiKeyIsShownOnceWorksUntilRevokedAndHoldsOnlyItsOwnersRoles() {
        TestSession integrator = app().userWith(Role.ROLE_API_USER);
        var own = AuthServiceGrpc.newBlockingStub(integrator.channel());
        CreateApiKeyResponse created = own.createApiKey(CreateApiKeyRequest.newBuilder().setName("nightly import").build());
        assertThat(created.getSecret()).startsWith("fh_").startsWith(created.getApiKey().getPrefix());
        assertThat(created.getApiKey().getRolesList()).containsExactly(Role.ROLE_API_USER);
        try (FineHeroClient machine = FineHeroClient.builder().target("127.0.0.1", app().port())
                .credentials(Credentials.apiKey(created.getSecret())).build()) {
            var me = AuthServiceGrpc.newBlockingStub(machine.channel()).getMe(GetMeRequest.getDefaultInstance());
            assertThat(me.getCredentialKind()).isEqualTo(CredentialKind.CREDENTIAL_KIND_API_KEY);
            assertThat(me.getUser().getUserId()).isEqualTo(integrator.userId());
            // callers that can send only an authorization header (Prometheus) pass the key as the bearer value
            var asBearer = as(created.getSecret()).getMe(GetMeRequest.getDefaultInstance());
            assertThat(asBearer.getCredentialKind()).isEqualTo(CredentialKind.CREDENTIAL_KIND_API_KEY);
            assertThat(asBearer.getUser().getUserId()).isEqualTo(integrator.userId());
            assertThat(own.listApiKeys(ListApiKeysRequest.getDefaultInstance()).getApiKeysList())
                    .singleElement().satisfies(k -> assertThat(k.getApiKeyId()).isEqualTo(created.getApiKey().getApiKeyId()));

            StatusRuntimeException escalation = failure(Status.Code.INVALID_ARGUMENT, () -> own.createApiKey(CreateApiKeyRequest.newBuilder()
                    .setName("more").addRoles(Role.ROLE_ADMIN).build()));
            assertThat(escalation.getStatus().getDescription()).contains("roles");
            failure(Status.Code.PERMISSION_DENIED, () -> own.createApiKey(CreateApiKeyRequest.newBuilder()
                    .setName("for someone else").setOwnerId(app().userWith(Role.ROLE_VIEWER).userId()).build()));

            own.revokeApiKey(RevokeApiKeyRequest.newBuilder().setApiKeyId(created.getApiKey().getApiKeyId()).build());
            StatusRuntimeException revoked = failure(Status.Code.UNAUTHENTICATED,
                    () -> AuthServiceGrpc.newBlockingStub(machine.channel()).getMe(GetMeRequest.getDefaultInstance()));
            assertThat(reason(revoked)).isEqualTo("API_KEY_INVALID");
            StatusRuntimeException revokedBearer = failure(Status.Code.UNAUTHENTICATED,
                    () -> as(created.getSecret()).getMe(GetMeRequest.getDefaultInstance()));
            assertThat(reason(revokedBearer)).isEqualTo("API_KEY_INVALID");
        }
    }

    @Test
    void anExpiredApiKeyIsRefusedAndOthersKeysAreNotFound() {
        TestSession integrator = app().userWith(Role.ROLE_API_USER);
        var own = AuthServiceGrpc.newBlockingStub(integrator.channel());
        long soon = app().clock().instant().plusSeconds(60).getEpochSecond();
        CreateApiKeyResponse created = own.createApiKey(CreateApiKeyRequest.newBuilder().setName("short")
                .setExpireTime(Timestamp.newBuilder().setSeconds(soon)).build());
        failure(Status.Code.INVALID_ARGUMENT, () -> own.createApiKey(CreateApiKeyRequest.newBuilder().setName("past")
                .setExpireTime(Timestamp.newBuilder().setSeconds(soon - 3600)).build()));
        var other = AuthServiceGrpc.newBlockingStub(app().userWith(Role.ROLE_API_USER).channel());
        failure(Status.Code.NOT_FOUND, () -> other.revokeApiKey(RevokeApiKeyRequest.newBuilder().setApiKeyId(created.getApiKey().getApiKeyId()).build()));
        try (FineHeroClient machine = FineHeroClient.builder().target("127.0.0.1", app().port())
                .credentials(Credentials.apiKey(created.getSecret())).build()) {
            var me = AuthServiceGrpc.newBlockingStub(machine.channel());
            assertThat(me.getMe(GetMeRequest.getDefaultInstance()).hasExpireTime()).isTrue();
            app().clock().advance(Duration.ofMinutes(2));
            failure(Status.Code.UNAUTHENTICATED, () -> me.getMe(GetMeRequest.getDefaultInstance()));
        }
    }

    @Test
    void apiKeysUsersAndAuditEventsPageWithoutGapsOrRepeats() {
        TestSession integrator = app().userWith(Role.ROLE_API_USER);
        var own = AuthServiceGrpc.newBlockingStub(integrator.channel());
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(own.createApiKey(CreateApiKeyRequest.newBuilder().setName("key " + i).build()).getApiKey().getApiKeyId());
        }
        var admin = AuthServiceGrpc.newBlockingStub(app().channel());

        List<String> ownKeys = new ArrayList<>();
        List<String> keysByOwner = new ArrayList<>();
        String token = "";
        String adminToken = "";
        do {
            ListApiKeysResponse page = own.listApiKeys(ListApiKeysRequest.newBuilder().setPageSize(2).setPageToken(token).build());
            assertThat(page.getApiKeysCount()).isLessThanOrEqualTo(2);
            page.getApiKeysList().forEach(k -> ownKeys.add(k.getApiKeyId()));
            token = page.getNextPageToken();
            ListApiKeysResponse byOwner = admin.listApiKeys(ListApiKeysRequest.newBuilder().setOwnerId(integrator.userId())
                    .setPageSize(2).setPageToken(adminToken).build());
            byOwner.getApiKeysList().forEach(k -> keysByOwner.add(k.getApiKeyId()));
            adminToken = byOwner.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(adminToken).isEmpty();
        assertThat(ownKeys).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created).isEqualTo(keysByOwner);

        List<String> usernames = new ArrayList<>();
        token = "";
        do {
            ListUsersResponse page = admin.listUsers(ListUsersRequest.newBuilder().setPageSize(2).setPageToken(token).build());
            page.getUsersList().forEach(u -> usernames.add(u.getUsername()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(usernames).doesNotHaveDuplicates().isSorted().contains(integrator.username());

        List<Long> events = new ArrayList<>();
        token = "";
        do {
            ListAuditEventsResponse page = admin.listAuditEvents(ListAuditEventsRequest.newBuilder().setPrincipalId(integrator.userId())
                    .setMethod("CreateApiKey").setPageSize(2).setPageToken(token).build());
            page.getEventsList().forEach(e -> events.add(e.getEventId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(events).hasSize(5).doesNotHaveDuplicates().isSortedAccordingTo(Comparator.reverseOrder());
    }

    private AuthServiceGrpc.AuthServiceBlockingStub admin() {
        return AuthServiceGrpc.newBlockingStub(app().channel());
    }

    private java.net.http.HttpResponse<String> meOverRest(String apiKey) {
        return app().sendAnonymous(java.net.http.HttpRequest.newBuilder(app().uri("/v1/auth/me")).header("x-api-key", apiKey).GET().build());
    }

    private java.net.http.HttpResponse<String> overRest(String method, com.google.protobuf.Message request) {
        return app().sendAnonymous(RestCalls.toHttp(app().uri("/"), AuthProto.getDescriptor().findServiceByName("AuthService")
                .findMethodByName(method), request));
    }

    @Test
    void anApiKeyActsWithNoMoreThanItsOwnerHoldsNow() {
        TestSession owner = app().userWith(Role.ROLE_ANALYST, Role.ROLE_API_USER);
        String secret = AuthServiceGrpc.newBlockingStub(owner.channel()).createApiKey(CreateApiKeyRequest.newBuilder()
                .setName("both roles").build()).getSecret();
        try (FineHeroClient machine = FineHeroClient.builder().target("127.0.0.1", app().port())
                .credentials(Credentials.apiKey(secret)).build()) {
            var viaKey = AuthServiceGrpc.newBlockingStub(machine.channel());
            assertThat(viaKey.getMe(GetMeRequest.getDefaultInstance()).getRolesList()).containsExactlyInAnyOrder(Role.ROLE_ANALYST, Role.ROLE_API_USER);

            admin().setUserRoles(SetUserRolesRequest.newBuilder().setUserId(owner.userId()).addRoles(Role.ROLE_API_USER).build());
            assertThat(viaKey.getMe(GetMeRequest.getDefaultInstance()).getRolesList()).as("the owner was demoted").containsExactly(Role.ROLE_API_USER);
            assertThat(RestCalls.parse(meOverRest(secret), com.finehero.api.auth.v1.GetMeResponse.getDefaultInstance()).getRolesList())
                    .containsExactly(Role.ROLE_API_USER);

            admin().setUserRoles(SetUserRolesRequest.newBuilder().setUserId(owner.userId()).addRoles(Role.ROLE_VIEWER).build());
            StatusRuntimeException none = failure(Status.Code.UNAUTHENTICATED, () -> viaKey.getMe(GetMeRequest.getDefaultInstance()));
            assertThat(reason(none)).isEqualTo("API_KEY_INVALID");
            assertThat(none.getStatus().getDescription()).contains("no longer holds any of its roles");
            assertThat(meOverRest(secret).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void disablingARevokingTokensOrDeletingAUserRevokesTheirApiKeys() {
        for (java.util.function.Consumer<String> revoke : List.<java.util.function.Consumer<String>>of(
                id -> admin().setUserDisabled(SetUserDisabledRequest.newBuilder().setUserId(id).setDisabled(true).build()),
                id -> admin().revokeUserTokens(RevokeUserTokensRequest.newBuilder().setUserId(id).build()),
                id -> admin().deleteUser(DeleteUserRequest.newBuilder().setUserId(id).build()))) {
            TestSession owner = app().userWith(Role.ROLE_API_USER);
            CreateApiKeyResponse key = AuthServiceGrpc.newBlockingStub(owner.channel()).createApiKey(CreateApiKeyRequest.newBuilder()
                    .setName("import").build());
            assertThat(meOverRest(key.getSecret()).statusCode()).isEqualTo(200);
            revoke.accept(owner.userId());
            assertThat(meOverRest(key.getSecret()).statusCode()).isEqualTo(401);
            if (!admin().listUsers(ListUsersRequest.newBuilder().setPageSize(200).build()).getUsersList().stream()
                    .filter(u -> u.getUserId().equals(owner.userId())).findFirst().orElseThrow().hasDeleteTime()) {
                admin().setUserDisabled(SetUserDisabledRequest.newBuilder().setUserId(owner.userId()).setDisabled(false).build());
                assertThat(meOverRest(key.getSecret()).statusCode()).as("refused even once the owner is enabled again").isEqualTo(401);
            } else {
                failure(Status.Code.FAILED_PRECONDITION, () -> admin().setUserDisabled(SetUserDisabledRequest.newBuilder()
                        .setUserId(owner.userId()).setDisabled(false).build()));
            }
            assertThat(admin().listApiKeys(ListApiKeysRequest.newBuilder().setOwnerId(owner.userId()).build()).getApiKeysList())
                    .singleElement().satisfies(k -> assertThat(k.hasRevokeTime()).isTrue());
        }
    }

    @Test
    void changingThePasswordNeedsTheCurrentOneAndEndsEveryOtherSession() {
        TestSession user = app().userWith(Role.ROLE_VIEWER);
        TokenResponse other = login(user);
        ChangePasswordRequest.Builder change = ChangePasswordRequest.newBuilder().setUsername(user.username())
                .setCurrentPassword("not the password").setNewPassword("a new and long password");
        StatusRuntimeException wrong = failure(Status.Code.UNAUTHENTICATED, () -> anonymous().changePassword(change.build()));
        assertThat(reason(wrong)).isEqualTo("LOGIN_FAILED");
        assertThat(overRest("ChangePassword", change.build()).statusCode()).isEqualTo(401);
        StatusRuntimeException common = failure(Status.Code.INVALID_ARGUMENT, () -> anonymous().changePassword(change
                .setCurrentPassword(user.password()).setNewPassword("Unbelievable").build()));
        assertThat(reason(common)).isEqualTo("PASSWORD_TOO_COMMON");
        assertThat(violatedFields(common)).containsExactly("new_password");
        failure(Status.Code.INVALID_ARGUMENT, () -> anonymous().changePassword(change.setNewPassword(user.password()).build()));

        TokenResponse changed = anonymous().changePassword(change.setNewPassword("a new and long password").build());
        assertThat(as(changed.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId()).isEqualTo(user.userId());
        assertThat(reason(failure(Status.Code.UNAUTHENTICATED, () -> as(other.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()))))
                .isEqualTo("TOKEN_REVOKED");
        failure(Status.Code.UNAUTHENTICATED, () -> anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(other.getRefreshToken()).build()));
        failure(Status.Code.UNAUTHENTICATED, () -> login(user));
        app().clock().advance(Duration.ofSeconds(2));
        assertThat(anonymous().login(LoginRequest.newBuilder().setUsername(user.username()).setPassword("a new and long password").build())
                .getUser().getUserId()).isEqualTo(user.userId());
        assertThat(anonymous().refresh(RefreshRequest.newBuilder().setRefreshToken(changed.getRefreshToken()).build()).getUser().getUserId())
                .as("the new session's refresh token").isEqualTo(user.userId());
    }

    @Test
    void aResetTokenSetsANewPasswordOnceAndExpires() {
        TestSession user = app().userWith(Role.ROLE_VIEWER);
        TokenResponse before = login(user);
        ResetPasswordResponse reset = admin().resetPassword(ResetPasswordRequest.newBuilder().setUserId(user.userId()).build());
        assertThat(reset.getResetToken()).startsWith("fhp_");
        failure(Status.Code.UNAUTHENTICATED, () -> as(before.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()));
        failure(Status.Code.UNAUTHENTICATED, () -> login(user));

        ChangePasswordRequest use = ChangePasswordRequest.newBuilder().setUsername(user.username()).setResetToken(reset.getResetToken())
                .setNewPassword("chosen by the user").build();
        TokenResponse after = anonymous().changePassword(use);
        assertThat(as(after.getAccessToken()).getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId()).isEqualTo(user.userId());
        assertThat(reason(failure(Status.Code.UNAUTHENTICATED, () -> anonymous().changePassword(use.toBuilder()
                .setNewPassword("chosen once more").build())))).as("used once").isEqualTo("RESET_TOKEN_INVALID");

        ResetPasswordResponse second = admin().resetPassword(ResetPasswordRequest.newBuilder().setUserId(user.userId()).build());
        app().clock().advance(Duration.ofHours(1).plusSeconds(1));
        StatusRuntimeException expired = failure(Status.Code.UNAUTHENTICATED, () -> anonymous().changePassword(use.toBuilder()
                .setResetToken(second.getResetToken()).build()));
        assertThat(reason(expired)).isEqualTo("RESET_TOKEN_INVALID");
        assertThat(overRest("ChangePassword", use.toBuilder().setResetToken(second.getResetToken()).build()).statusCode()).isEqualTo(401);
    }

    @Test
    void deletingAUserPseudonymisesThemAndKeepsTheirAuditEvents() {
        TestSession user = app().userWith(Role.ROLE_API_USER);
        AuthServiceGrpc.newBlockingStub(user.channel()).createApiKey(CreateApiKeyRequest.newBuilder().setName("audited").build());
        failure(Status.Code.FAILED_PRECONDITION, () -> admin().deleteUser(DeleteUserRequest.newBuilder()
                .setUserId(admin().getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId()).build()));

        User deleted = admin().deleteUser(DeleteUserRequest.newBuilder().setUserId(user.userId()).build());
        assertThat(deleted.getUsername()).isEqualTo("deleted-" + user.userId());
        assertThat(deleted.getDisplayName()).isEmpty();
        assertThat(deleted.getDisabled()).isTrue();
        assertThat(deleted.hasDeleteTime()).isTrue();
        assertThat(admin().deleteUser(DeleteUserRequest.newBuilder().setUserId(user.userId()).build()).getDeleteTime())
                .as("deleting twice is not an error").isEqualTo(deleted.getDeleteTime());
        failure(Status.Code.UNAUTHENTICATED, () -> login(user));
        failure(Status.Code.UNAUTHENTICATED, () -> anonymous().login(LoginRequest.newBuilder().setUsername(deleted.getUsername())
                .setPassword(user.password()).build()));
        assertThat(admin().listAuditEvents(ListAuditEventsRequest.newBuilder().setPrincipalId(user.userId()).setMethod("CreateApiKey").build())
                .getEventsList()).singleElement().satisfies(e -> assertThat(e.getPrincipalName()).isEqualTo(deleted.getUsername()));
        assertThat(overRest("DeleteUser", DeleteUserRequest.newBuilder().setUserId("no-such-user").build()).statusCode()).isEqualTo(401);
    }

    @Test
    void shortAndCommonPasswordsAreRefusedNamingTheRule() {
        CreateUserRequest.Builder create = CreateUserRequest.newBuilder().setUsername("weak-" + java.util.UUID.randomUUID().toString()
                .substring(0, 8)).addRoles(Role.ROLE_VIEWER);
        StatusRuntimeException common = failure(Status.Code.INVALID_ARGUMENT, () -> admin().createUser(create.setPassword("unbelievable").build()));
        assertThat(reason(common)).isEqualTo("PASSWORD_TOO_COMMON");
        assertThat(common.getStatus().getDescription()).contains("password").contains("most common");
        StatusRuntimeException shortOne = failure(Status.Code.INVALID_ARGUMENT, () -> admin().createUser(create.setPassword("short").build()));
        assertThat(violatedFields(shortOne)).containsExactly("password");
        java.net.http.HttpResponse<String> rest = app().send(RestCalls.toHttp(app().uri("/"), AuthProto.getDescriptor()
                .findServiceByName("AuthService").findMethodByName("CreateUser"), create.setPassword("Contortionist").build()));
        assertThat(rest.statusCode()).isEqualTo(400);
        assertThat(rest.body()).contains("PASSWORD_TOO_COMMON");
    }
}
