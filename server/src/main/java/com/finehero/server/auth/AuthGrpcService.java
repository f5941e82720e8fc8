package com.finehero.server.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.finehero.api.auth.v1.ApiKey;
import com.finehero.api.auth.v1.AuditEvent;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.auth.v1.CreateApiKeyResponse;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.CredentialKind;
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
import com.finehero.api.auth.v1.RevokeApiKeyRequest;
import com.finehero.api.auth.v1.RevokeUserTokensRequest;
import com.finehero.api.auth.v1.RevokeUserTokensResponse;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.SetUserDisabledRequest;
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
import com.finehero.server.platform.security.Principal;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.id;
import static com.finehero.server.platform.rpc.Replies.pageSize;
import static com.finehero.server.platform.rpc.Replies.reply;

/** The gRPC face of identity: sessions, users, API keys, the audit log. */
public final class AuthGrpcService extends AuthServiceGrpc.AuthServiceImplBase {

    private static final String LOGIN_FAILED = "wrong username or password";

    private final UserStore users;
    private final Passwords passwords;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final Revocations revocations;
    private final ApiKeys apiKeys;
    private final RateLimiter limiter;
    private final RateLimits limits;
    private final AuditLog audit;
    private final Clock clock;

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

    public AuthGrpcService(Credentials credentials, LoginLimits loginLimits, AuditLog audit, Clock clock) {
        this.users = credentials.users();
        this.passwords = credentials.passwords();
        this.accessTokens = credentials.accessTokens();
        this.refreshTokens = credentials.refreshTokens();
        this.revocations = credentials.revocations();
        this.apiKeys = credentials.apiKeys();
        this.limiter = loginLimits.limiter();
        this.limits = loginLimits.limits();
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void login(LoginRequest request, StreamObserver<TokenResponse> response) {
        String username = UserStore.normalise(request.getUsername());
        throttle("login-account:" + username, limits.loginPerAccount());
        throttle("login-address:" + CallerAddress.current(), limits.loginPerAddress());
        UserStore.Account account = users.findByUsername(username).orElse(null);
        if (account == null) {
            passwords.verifyNobody(request.getPassword());
            throw new FineHeroException.Unauthenticated("LOGIN_FAILED", LOGIN_FAILED);
        }
        if (!passwords.verify(request.getPassword(), account.passwordHash()) || account.user().getDisabled()) {
            throw new FineHeroException.Unauthenticated("LOGIN_FAILED", LOGIN_FAILED);
        }
        reply(response, tokens(account, refreshTokens.startFamily(account.user().getUserId())));
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
        if (caller.expiresAt() != null) {
            me.setExpireTime(Times.toProto(caller.expiresAt()));
        }
        reply(response, me.build());
    }

    @Override
    public void createUser(CreateUserRequest request, StreamObserver<User> response) {
        UserStore.Account created = users.create(request.getUsername(), request.getDisplayName(),
                EnumSet.copyOf(request.getRolesList()), passwords.hash(request.getPassword()));
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
        reply(response, users.setRoles(id(request.getUserId()), EnumSet.copyOf(request.getRolesList())).user());
    }

    @Override
    public void setUserDisabled(SetUserDisabledRequest request, StreamObserver<User> response) {
        String userId = id(request.getUserId());
        if (request.getDisabled() && userId.equals(Principal.current().subject())) {
            throw new FineHeroException.FailedPrecondition("CANNOT_DISABLE_SELF", "you cannot disable your own account");
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
        ApiKeys.Created created = apiKeys.create(request.getName(), ownerId, roles, expires);
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

    private TokenResponse tokens(UserStore.Account account, RefreshTokens.Issued refresh) {
        User user = account.user();
        AccessTokens.Issued access = accessTokens.issue(user.getUserId(), user.getUsername(), account.roles());
        return TokenResponse.newBuilder()
                .setAccessToken(access.token())
                .setTokenType("Bearer")
                .setAccessTokenExpireTime(Times.toProto(access.claims().expiresAt()))
                .setRefreshToken(refresh.token())
                .setRefreshTokenExpireTime(Times.toProto(refresh.expiresAt()))
                .setUser(user)
                .build();
    }

    /** Refuses every token the user holds now: access tokens through the deny-list, refresh tokens in the database. */
    private Instant revokeEverything(String userId) {
        Instant cutoff = Times.truncate(clock.instant()).plusMillis(1);
        revocations.revokeUser(userId, cutoff);
        refreshTokens.revokeAll(userId);
        apiKeys.forgetCached();
        return cutoff;
    }

    private void throttle(String bucket, long perMinute) {
        RateLimiter.Decision decision = limiter.tryTake(bucket, perMinute);
        if (!decision.allowed()) {
            throw new FineHeroException.RateLimited("LOGIN_RATE_LIMITED", "too many login attempts; try again later", decision.retryAfter());
        }
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
