package com.finehero.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.finehero.api.auth.v1.ApiKey;
import com.finehero.api.auth.v1.AuditEvent;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.ChangePasswordRequest;
import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.auth.v1.CreateApiKeyResponse;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.CredentialKind;
import com.finehero.api.auth.v1.DeleteUserRequest;
import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.api.auth.v1.GetMeResponse;
import com.finehero.api.auth.v1.ListApiKeysRequest;
import com.finehero.api.auth.v1.ListApiKeysResponse;
import com.finehero.api.auth.v1.ListAuditEventsRequest;
import com.finehero.api.auth.v1.ListAuditEventsResponse;
import com.finehero.api.auth.v1.ListUsersRequest;
import com.finehero.api.auth.v1.ListUsersResponse;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.LogoutRequest;
import com.finehero.api.auth.v1.LogoutResponse;
import com.finehero.api.auth.v1.RefreshRequest;
import com.finehero.api.auth.v1.ResetPasswordRequest;
import com.finehero.api.auth.v1.ResetPasswordResponse;
import com.finehero.api.auth.v1.RevokeApiKeyRequest;
import com.finehero.api.auth.v1.RevokeUserTokensRequest;
import com.finehero.api.auth.v1.RevokeUserTokensResponse;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.SetUserDisabledRequest;
import com.finehero.api.auth.v1.SetUserJurisdictionScopeRequest;
import com.finehero.api.auth.v1.SetUserRolesRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.api.auth.v1.User;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.paging.KeysetPage;
import com.finehero.server.platform.paging.PageTokens;
import com.finehero.server.platform.security.AuditLog;
import com.finehero.server.platform.security.AuditStore;
import com.finehero.server.platform.security.CallerAddress;
import com.finehero.server.platform.security.JurisdictionScope;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.id;
import static com.finehero.server.platform.rpc.Replies.pageSize;
import static com.finehero.server.platform.rpc.Replies.reply;

/** The gRPC face of identity: sessions, users, API keys, the audit log. */
final class AuthGrpcService extends AuthServiceGrpc.AuthServiceImplBase {

    private static final String LOGIN_FAILED = "wrong username or password";
    private static final String RESET_TOKEN_SCHEME = "fhp_";

    private final UserStore users;
    private final Passwords passwords;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final Revocations revocations;
    private final ApiKeys apiKeys;
    private final LoginThrottle loginThrottle;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration passwordResetTtl;

    /** The accounts and what callers hold to prove who they are: passwords, tokens and API keys. */
    public record Credentials(UserStore users, Passwords passwords, AccessTokens accessTokens, RefreshTokens refreshTokens,
                              Revocations revocations, ApiKeys apiKeys) {
        public Credentials {
            Objects.requireNonNull(users, "users");
            Objects.requireNonNull(passwords, "passwords");
            Objects.requireNonNull(accessTokens, "accessTokens");
            Objects.requireNonNull(refreshTokens, "refreshTokens");
            Objects.requireNonNull(revocations, "revocations");
            Objects.requireNonNull(apiKeys, "apiKeys");
        }
    }

    /** How often logins may be tried: the limiter the interceptor uses too, and the login limits. */
    public record LoginLimits(RateLimiter limiter, RateLimits limits) {
        public LoginLimits {
            Objects.requireNonNull(limiter, "limiter");
            Objects.requireNonNull(limits, "limits");
        }
    }

    public AuthGrpcService(Credentials credentials, LoginLimits loginLimits, AuditLog audit, Clock clock,
                           Duration passwordResetTtl) {
        this.users = credentials.users();
        this.passwords = credentials.passwords();
        this.accessTokens = credentials.accessTokens();
        this.refreshTokens = credentials.refreshTokens();
        this.revocations = credentials.revocations();
        this.apiKeys = credentials.apiKeys();
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.loginThrottle = new LoginThrottle(loginLimits.limiter(), loginLimits.limits(), clock);
        this.passwordResetTtl = Objects.requireNonNull(passwordResetTtl, "passwordResetTtl");
    }

    @Override
    public void login(LoginRequest request, StreamObserver<TokenResponse> response) {
        String username = UserStore.normalise(request.getUsername());
        String address = CallerAddress.current();
        loginThrottle.check(username, address);
        UserStore.Account account = signIn(username, request.getPassword(), address);
        if (account.user().getMustChangePassword()) {
            throw new FineHeroException.FailedPrecondition("PASSWORD_CHANGE_REQUIRED", "the password must be changed before "
                    + "signing in: call ChangePassword (POST /v1/auth/change-password) with the current and a new password");
        }
        reply(response, tokens(account, refreshTokens.startFamily(account.user().getUserId())));
    }

    @Override
    public void changePassword(ChangePasswordRequest request, StreamObserver<TokenResponse> response) {
        String username = UserStore.normalise(request.getUsername());
        String address = CallerAddress.current();
        loginThrottle.check(username, address);
        passwords.requireAcceptable("new_password", request.getNewPassword());
        String newHash;
        UserStore.Account changed;
        if (request.getProofCase() == ChangePasswordRequest.ProofCase.RESET_TOKEN) {
            UserStore.Account account = users.findByUsername(username).filter(a -> !a.user().getDisabled()).orElse(null);
            newHash = passwords.hash(request.getNewPassword());
            changed = account == null ? null : users.finishReset(account.user().getUserId(), Secrets.hash(request.getResetToken()),
                    clock.instant(), newHash).orElse(null);
            if (changed == null) {
                loginThrottle.failed(username, address);
                throw new FineHeroException.Unauthenticated("RESET_TOKEN_INVALID",
                        "the reset token is not valid for this user (used, expired or replaced): ask an admin for a new one");
            }
            loginThrottle.succeeded(username, address);
        } else {
            UserStore.Account account = signIn(username, request.getCurrentPassword(), address);
            if (request.getNewPassword().equals(request.getCurrentPassword())) {
                throw new FineHeroException.InvalidArgument("PASSWORD_UNCHANGED", "new_password: is the current password "
                        + "(expected: a different one)", List.of(new FineHeroException.FieldViolation("new_password",
                        "is the current password (expected: a different one)")));
            }
            changed = users.setPassword(account.user().getUserId(), passwords.hash(request.getNewPassword()));
        }
        // every token issued so far stops working; the new session's token is issued at the cutoff, so it does not
        String userId = changed.user().getUserId();
        Instant cutoff = Instant.ofEpochSecond(clock.instant().getEpochSecond() + 1);
        revocations.revokeUser(userId, cutoff);
        refreshTokens.revokeAll(userId);
        reply(response, tokens(changed, refreshTokens.startFamily(userId), cutoff));
    }

    @Override
    public void refresh(RefreshRequest request, StreamObserver<TokenResponse> response) {
        RefreshTokens.Rotation rotation = refreshTokens.rotate(request.getRefreshToken());
        if (!(rotation instanceof RefreshTokens.Rotation.Rotated rotated)) {
            throw RefreshTokens.refused();
        }
        UserStore.Account account = users.find(rotated.userId()).orElseThrow(RefreshTokens::refused);
        if (account.user().getDisabled()) {
            refreshTokens.revokeAll(account.user().getUserId());
            throw RefreshTokens.refused();
        }
        reply(response, tokens(account, rotated.next()));
    }

    @Override
    public void logout(LogoutRequest request, StreamObserver<LogoutResponse> response) {
        Principal caller = Principal.current();
        if (caller.credential() == Principal.Credential.ACCESS_TOKEN) {
            revocations.revokeToken(caller.tokenId(), caller.expiresAt());
        }
        if (!request.getRefreshToken().isEmpty() && !refreshTokens.revokeFamilyOf(request.getRefreshToken(), caller.subject())) {
            throw FineHeroException.invalidField("refresh_token", "is not a refresh token of yours");
        }
        reply(response, LogoutResponse.getDefaultInstance());
    }

    @Override
    public void getMe(GetMeRequest request, StreamObserver<GetMeResponse> response) {
        Principal caller = Principal.current();
        User user = users.find(caller.subject()).map(UserStore.Account::user)
                .orElse(User.newBuilder().setUserId(caller.subject()).setUsername(caller.name()).build());
        GetMeResponse.Builder me = GetMeResponse.newBuilder()
                .setUser(user)
                .addAllRoles(caller.roles().stream().sorted().toList())
                .setCredentialKind(caller.credential() == Principal.Credential.API_KEY
                        ? CredentialKind.CREDENTIAL_KIND_API_KEY : CredentialKind.CREDENTIAL_KIND_ACCESS_TOKEN);
        if (caller.scope().limited()) {
            me.setJurisdictionScope(caller.scope().code());
        }
        if (caller.expiresAt() != null) {
            me.setExpireTime(Times.toProto(caller.expiresAt()));
        }
        reply(response, me.build());
    }

    @Override
    public void createUser(CreateUserRequest request, StreamObserver<User> response) {
        passwords.requireAcceptable("password", request.getPassword());
        Set<Role> roles = EnumSet.copyOf(request.getRolesList());
        JurisdictionScope scope = JurisdictionScope.of("jurisdiction_scope", request.getJurisdictionScope());
        requireScopable(roles, scope);
        UserStore.Account created = users.create(request.getUsername(), request.getDisplayName(),
                roles, scope, passwords.hash(request.getPassword()), false);
        reply(response, created.user());
    }

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
        int limit = pageSize(request.getPageSize(), 50, 200);
        String after = request.getPageToken().isEmpty() ? "" : PageTokens.decode(request.getPageToken(), "users", 1).getFirst();
        KeysetPage<User> page = KeysetPage.of(users.list(after, limit + 1), limit, "users", user -> List.of(user.getUsername()));
        reply(response, ListUsersResponse.newBuilder().addAllUsers(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    @Override
    public void setUserRoles(SetUserRolesRequest request, StreamObserver<User> response) {
        String userId = id(request.getUserId());
        Set<Role> roles = EnumSet.copyOf(request.getRolesList());
        requireScopable(roles, users.require(userId).scope());
        UserStore.Account account = users.setRoles(userId, roles);
        // this instance applies the owner's new roles to their API keys at once; others within revocation-check
        apiKeys.forgetCached();
        reply(response, account.user());
    }

    @Override
    public void setUserJurisdictionScope(SetUserJurisdictionScopeRequest request, StreamObserver<User> response) {
        String userId = id(request.getUserId());
        JurisdictionScope scope = JurisdictionScope.of("jurisdiction_scope", request.getJurisdictionScope());
        requireScopable(users.require(userId).roles(), scope);
        UserStore.Account account = users.setJurisdictionScope(userId, scope);
        // access tokens carry the scope they were issued with: end them, so the next session has the new one
        revokeSessions(userId);
        apiKeys.forgetCached();
        reply(response, account.user());
    }

    @Override
    public void setUserDisabled(SetUserDisabledRequest request, StreamObserver<User> response) {
        String userId = id(request.getUserId());
        if (request.getDisabled() && userId.equals(Principal.current().subject())) {
            throw new FineHeroException.FailedPrecondition("CANNOT_DISABLE_SELF", "you cannot disable your own account");
        }
        if (!request.getDisabled() && users.require(userId).deleted()) {
            throw new FineHeroException.FailedPrecondition("USER_DELETED", "user " + userId + " was deleted and cannot be enabled");
        }
        UserStore.Account account = users.setDisabled(userId, request.getDisabled());
        if (request.getDisabled()) {
            revokeEverything(userId);
        }
        reply(response, account.user());
    }

    @Override
    public void revokeUserTokens(RevokeUserTokensRequest request, StreamObserver<RevokeUserTokensResponse> response) {
        String userId = id(request.getUserId());
        users.require(userId);
        Instant cutoff = revokeEverything(userId);
        reply(response, RevokeUserTokensResponse.newBuilder().setRevokeTime(Times.toProto(cutoff)).build());
    }

    @Override
    public void resetPassword(ResetPasswordRequest request, StreamObserver<ResetPasswordResponse> response) {
        String userId = id(request.getUserId());
        if (users.require(userId).deleted()) {
            throw new FineHeroException.FailedPrecondition("USER_DELETED", "user " + userId + " was deleted");
        }
        String token = Secrets.draw(RESET_TOKEN_SCHEME);
        Instant expires = Times.truncate(clock.instant()).plus(passwordResetTtl);
        users.startReset(userId, Secrets.hash(token), expires);
        revokeSessions(userId);
        reply(response, ResetPasswordResponse.newBuilder().setResetToken(token).setExpireTime(Times.toProto(expires)).build());
    }

    @Override
    public void deleteUser(DeleteUserRequest request, StreamObserver<User> response) {
        String userId = id(request.getUserId());
        if (userId.equals(Principal.current().subject())) {
            throw new FineHeroException.FailedPrecondition("CANNOT_DELETE_SELF", "you cannot delete your own account");
        }
        users.require(userId);
        // events still queued here would be written under the old name after the rename
        audit.flush();
        UserStore.Account deleted = users.delete(userId, Times.truncate(clock.instant()));
        revokeEverything(userId);
        reply(response, deleted.user());
    }

    @Override
    public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
        Principal caller = Principal.current();
        String ownerId = request.getOwnerId().isEmpty() ? caller.subject() : id(request.getOwnerId());
        if (!ownerId.equals(caller.subject()) && !caller.has(Role.ROLE_ADMIN)) {
            throw new FineHeroException.PermissionDenied("NOT_YOUR_ACCOUNT", "only an admin may create API keys for another user");
        }
        UserStore.Account owner = users.find(ownerId).orElseThrow(() -> FineHeroException.invalidField(
                "owner_id", "names no user"));
        // a key never holds more than its owner, nor more than the credential that creates it for oneself
        Set<Role> allowed = EnumSet.noneOf(Role.class);
        allowed.addAll(owner.roles());
        if (ownerId.equals(caller.subject())) {
            allowed.retainAll(caller.roles());
        }
        Set<Role> roles = request.getRolesList().isEmpty() ? allowed : EnumSet.copyOf(request.getRolesList());
        if (roles.isEmpty() || !allowed.containsAll(roles)) {
            throw FineHeroException.invalidField("roles", "may only hold roles of the key's owner (" + allowed + ")");
        }
        Instant expires = request.hasExpireTime() ? Times.toInstant(request.getExpireTime()) : null;
        if (expires != null && !expires.isAfter(clock.instant())) {
            throw FineHeroException.invalidField("expire_time", "must be in the future");
        }
        JurisdictionScope scope = keyScope(request.getJurisdictionScope(), owner, ownerId.equals(caller.subject()) ? caller : null);
        if (scope.limited() && roles.contains(Role.ROLE_ADMIN)) {
            throw FineHeroException.invalidField("jurisdiction_scope", request.getJurisdictionScope()
                    + " (expected: empty for a key holding ROLE_ADMIN: administration is not limited to a jurisdiction)");
        }
        ApiKeys.Created created = apiKeys.create(request.getName(), ownerId, roles, scope, expires);
        reply(response, CreateApiKeyResponse.newBuilder().setApiKey(created.key()).setSecret(created.secret()).build());
    }

    @Override
    public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
        Principal caller = Principal.current();
        String owner = caller.has(Role.ROLE_ADMIN) ? id(request.getOwnerId()) : caller.subject();
        int limit = pageSize(request.getPageSize(), 50, 200);
        String scope = "api-keys|" + owner;
        ApiKeyStore.Cursor after = null;
        if (!request.getPageToken().isEmpty()) {
            List<String> position = PageTokens.decode(request.getPageToken(), scope, 2);
            try {
                after = new ApiKeyStore.Cursor(Instant.parse(position.get(0)), position.get(1));
            } catch (java.time.DateTimeException e) {
                throw FineHeroException.invalidField("page_token", "is not a token returned by this listing");
            }
        }
        KeysetPage<ApiKey> page = KeysetPage.of(apiKeys.list(owner, after, limit + 1), limit, scope,
                key -> List.of(Times.toInstant(key.getCreateTime()).toString(), key.getApiKeyId()));
        reply(response, ListApiKeysResponse.newBuilder().addAllApiKeys(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    @Override
    public void revokeApiKey(RevokeApiKeyRequest request, StreamObserver<ApiKey> response) {
        Principal caller = Principal.current();
        String keyId = id(request.getApiKeyId());
        ApiKeyStore.Stored key = apiKeys.find(keyId)
                .filter(k -> caller.has(Role.ROLE_ADMIN) || k.key().getOwnerId().equals(caller.subject()))
                .orElseThrow(() -> FineHeroException.notFound("API key", keyId));
        reply(response, key.key().hasRevokeTime() ? key.key() : apiKeys.revoke(keyId));
    }

    @Override
    public void listAuditEvents(ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> response) {
        int limit = pageSize(request.getPageSize(), 50, 500);
        String scope = "audit|" + request.getPrincipalId() + "|" + request.getMethod();
        long before = Long.MAX_VALUE;
        if (!request.getPageToken().isEmpty()) {
            try {
                before = Long.parseLong(PageTokens.decode(request.getPageToken(), scope, 1).getFirst());
            } catch (NumberFormatException e) {
                throw FineHeroException.invalidField("page_token", "is not a token returned by this listing");
            }
        }
        KeysetPage<AuditStore.Event> page = KeysetPage.of(audit.list(new AuditStore.Query(request.getPrincipalId(), request.getMethod(),
                before, limit + 1)), limit, scope, event -> List.of(Long.toString(event.id())));
        reply(response, ListAuditEventsResponse.newBuilder().addAllEvents(page.items().stream().map(AuthGrpcService::toProto).toList())
                .setNextPageToken(page.nextPageToken()).build());
    }

    /**
     * The scope of a new key: the requested one, which must lie within the owner's (and, for one's own
     * key, within the creating credential's: a scoped key cannot make a wider one); empty means the
     * narrowest of those.
     */
    private static JurisdictionScope keyScope(String requested, UserStore.Account owner, Principal self) {
        JurisdictionScope bound = owner.scope();
        if (self != null) {
            JurisdictionScope narrower = self.scope().narrowest(bound);
            bound = narrower == null ? self.scope() : narrower;
        }
        JurisdictionScope scope = JurisdictionScope.of("jurisdiction_scope", requested);
        if (!scope.limited()) {
            return bound;
        }
        if (!scope.within(bound)) {
            throw new FineHeroException.PermissionDenied("SCOPE_WIDER_THAN_OWNER", "jurisdiction_scope: " + scope
                    + " (expected: " + bound + " or a jurisdiction below it: a key reaches no further than its owner)");
        }
        return scope;
    }

    /** Admins manage users and scopes, so their reach is never limited to a jurisdiction. */
    private static void requireScopable(Set<Role> roles, JurisdictionScope scope) {
        if (scope.limited() && roles.contains(Role.ROLE_ADMIN)) {
            throw FineHeroException.invalidField("jurisdiction_scope", scope
                    + " (expected: empty for a user holding ROLE_ADMIN: administration is not limited to a jurisdiction)");
        }
    }

    /**
     * The account if {@code password} is its password and it is enabled; otherwise counts a failure and
     * says LOGIN_FAILED, the same for an unknown user, in the same time.
     */
    private UserStore.Account signIn(String username, String password, String address) {
        UserStore.Account account = users.findByUsername(username).orElse(null);
        boolean verified;
        if (account == null) {
            passwords.verifyNobody(password);
            verified = false;
        } else {
            verified = passwords.verify(password, account.passwordHash()) && !account.user().getDisabled();
        }
        if (!verified) {
            loginThrottle.failed(username, address);
            throw new FineHeroException.Unauthenticated("LOGIN_FAILED", LOGIN_FAILED);
        }
        loginThrottle.succeeded(username, address);
        return account;
    }

    private TokenResponse tokens(UserStore.Account account, RefreshTokens.Issued refresh) {
        return tokens(account, refresh, clock.instant());
    }

    private TokenResponse tokens(UserStore.Account account, RefreshTokens.Issued refresh, Instant issuedAt) {
        User user = account.user();
        AccessTokens.Issued access = accessTokens.issue(user.getUserId(), user.getUsername(), account.roles(), account.scope(), issuedAt);
        return TokenResponse.newBuilder()
                .setAccessToken(access.token())
                .setTokenType("Bearer")
                .setAccessTokenExpireTime(Times.toProto(access.claims().expiresAt()))
                .setRefreshToken(refresh.token())
                .setRefreshTokenExpireTime(Times.toProto(refresh.expiresAt()))
                .setUser(user)
                .build();
    }

    /**
     * Refuses every credential the user holds now: access tokens through the deny-list, refresh tokens
     * and API keys in the database.
     */
    private Instant revokeEverything(String userId) {
        Instant cutoff = revokeSessions(userId);
        apiKeys.revokeAllOf(userId);
        return cutoff;
    }

    /** Refuses the user's access and refresh tokens issued so far; API keys stay. */
    private Instant revokeSessions(String userId) {
        Instant cutoff = Times.truncate(clock.instant()).plusMillis(1);
        revocations.revokeUser(userId, cutoff);
        refreshTokens.revokeAll(userId);
        return cutoff;
    }

    private static AuditEvent toProto(AuditStore.Event e) {
        return AuditEvent.newBuilder()
                .setEventId(e.id())
                .setTime(Times.toProto(e.time()))
                .setPrincipalId(e.principalId())
                .setPrincipalName(e.principalName())
                .setCredential(e.credential())
                .setMethod(e.method())
                .setResource(e.resource())
                .setPeer(e.peer())
                .setProtocol(e.protocol())
                .setOutcome(e.outcome())
                .setRequestId(e.requestId())
                .build();
    }
}
