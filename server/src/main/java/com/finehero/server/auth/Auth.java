package com.finehero.server.auth;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.retention.AppendOnlyTable;
import com.finehero.server.platform.security.AuditLog;
import com.finehero.server.platform.security.AuditStore;
import com.finehero.server.platform.security.Authenticator;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;
import io.grpc.BindableService;
import io.helidon.webserver.http.HttpService;

/**
 * The auth feature as the wiring sees it: who a caller is ({@link #authenticator}), where audit events
 * are stored, the deny-list of access tokens, the JWKS endpoint and the gRPC service. Accounts, tokens,
 * keys and their stores stay inside this package.
 */
public final class Auth {

    /** The audit events' table, for the retention pass the wiring schedules ({@code finehero.security.audit.retention}). */
    public static final AppendOnlyTable AUDIT_EVENTS = JdbcAuditStore.TABLE;

    private final AuthConfig config;
    private final Database database;
    private final Clock clock;
    private final UserStore users;
    private final Passwords passwords;
    private final SigningKeys signingKeys;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final Revocations revocations;
    private final ApiKeys apiKeys;

    private Auth(AuthConfig config, Database database, RedisConnector redis, Clock clock) {
        this.config = config;
        this.database = database;
        this.clock = clock;
        this.users = new JdbcUserStore(database, clock);
        this.passwords = new Passwords(config.bcryptCost());
        this.signingKeys = SigningKeys.from(config);
        this.accessTokens = new AccessTokens(signingKeys, config, clock);
        this.refreshTokens = new RefreshTokens(new JdbcRefreshTokenStore(database), clock, config.refreshTokenTtl());
        this.revocations = new Revocations(redis, clock, config.accessTokenTtl(), config.revocationCheck());
        this.apiKeys = new ApiKeys(new JdbcApiKeyStore(database), clock, config.revocationCheck());
    }

    /**
     * Accounts, tokens and API keys on {@code database}. A configured first-admin password too weak to
     * keep fails it here; the account itself is made by {@link #createFirstAdminIfMissing}.
     */
    public static Auth create(AuthConfig config, Database database, RedisConnector redis, Clock clock) {
        Auth auth = new Auth(Objects.requireNonNull(config, "config"), Objects.requireNonNull(database, "database"),
                Objects.requireNonNull(redis, "redis"), Objects.requireNonNull(clock, "clock"));
        BootstrapAdmin.checkPassword(config, auth.passwords);
        return auth;
    }

    /**
     * Creates the configured first admin if no account has its name (another instance may have), or
     * warns when nobody could log in. Hashing its password is most of a first start's work here (bcrypt
     * at the configured cost, about 0.3 s at 12), so the wiring runs this beside the rest of start-up.
     */
    public void createFirstAdminIfMissing() {
        BootstrapAdmin.createIfMissing(config, users, passwords);
    }

    /** Where the platform's audit log writes its events. */
    public AuditStore auditStore() {
        return new JdbcAuditStore(database);
    }

    /** Bearer tokens and API keys to a principal; empty when {@code finehero.auth.enabled} is false. */
    public Optional<Authenticator> authenticator() {
        return config.enabled() ? Optional.of(new CredentialsAuthenticator(accessTokens, revocations, apiKeys)) : Optional.empty();
    }

    /** This instance's deny-list of access tokens (the wiring schedules its pruning). */
    public Revocations revocations() {
        return revocations;
    }

    /** The public signing keys as a JWK set, for whoever verifies FineHero's tokens. */
    public HttpService jwks() {
        return new JwksService(signingKeys);
    }

    /** The {@code finehero.auth.v1.AuthService} implementation; logins are limited by {@code limiter} and audited. */
    public BindableService service(RateLimiter limiter, RateLimits limits, AuditLog audit) {
        return new AuthGrpcService(new AuthGrpcService.Credentials(users, passwords, accessTokens, refreshTokens, revocations, apiKeys),
                new AuthGrpcService.LoginLimits(limiter, limits), audit, clock, config.passwordResetTtl());
    }
}
