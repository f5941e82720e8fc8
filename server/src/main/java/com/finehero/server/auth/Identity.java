package com.finehero.server.auth;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.AuditLog;
import com.finehero.server.platform.security.Authenticator;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;

/**
 * Everything FineHero knows about accounts and credentials, put together once: users and their
 * passwords, signing keys, access and refresh tokens, the deny-list and API keys. {@code FineHeroApp}
 * takes the authenticator, the gRPC service and the JWKS page from here.
 */
public final class Identity {

    private static final System.Logger LOG = System.getLogger(Identity.class.getName());

    private final Clock clock;
    private final UserStore users;
    private final Passwords passwords;
    private final SigningKeys keys;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final Revocations revocations;
    private final ApiKeys apiKeys;

    private Identity(AuthConfig config, Database db, RedisConnector redis, Clock clock) {
        this.clock = clock;
        this.users = new JdbcUserStore(db, clock);
        this.passwords = new Passwords(config.bcryptCost());
        this.keys = SigningKeys.from(config);
        this.accessTokens = new AccessTokens(keys, config, clock);
        this.refreshTokens = new RefreshTokens(new JdbcRefreshTokenStore(db), clock, config.refreshTokenTtl());
        this.revocations = new Revocations(redis, clock, config.accessTokenTtl(), config.revocationCheck());
        this.apiKeys = new ApiKeys(new JdbcApiKeyStore(db), clock, config.revocationCheck());
    }

    public static Identity start(AuthConfig config, Database db, RedisConnector redis, Clock clock) {
        Objects.requireNonNull(config, "config");
        Identity identity = new Identity(config, Objects.requireNonNull(db, "db"), Objects.requireNonNull(redis, "redis"),
                Objects.requireNonNull(clock, "clock"));
        identity.bootstrapAdmin(config);
        return identity;
    }

    /** The first admin, from configuration, if no user of that name exists yet. Never a default password. */
    private void bootstrapAdmin(AuthConfig config) {
        if (config.bootstrapPassword().isEmpty()) {
            if (users.list("", 1).isEmpty()) {
                LOG.log(Level.WARNING, "no users exist and finehero.auth.bootstrap-admin.password "
                        + "(FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD) is not set: nobody can log in");
            }
            return;
        }
        if (config.bootstrapPassword().length() < 12) {
            throw new IllegalArgumentException("finehero.auth.bootstrap-admin.password must have at least 12 characters");
        }
        if (users.findByUsername(config.bootstrapUsername()).isPresent()) {
            return;
        }
        try {
            users.create(config.bootstrapUsername(), "Administrator", EnumSet.of(Role.ROLE_ADMIN), passwords.hash(config.bootstrapPassword()));
            LOG.log(Level.INFO, "created the first admin, " + UserStore.normalise(config.bootstrapUsername()));
        } catch (FineHeroException.AlreadyExists raced) {
            // another instance created it first
        }
    }

    public Authenticator authenticator() {
        return new CredentialsAuthenticator(accessTokens, revocations, apiKeys);
    }

    public AuthGrpcService service(RateLimiter limiter, RateLimits limits, AuditLog audit) {
        return new AuthGrpcService(this, limiter, limits, audit);
    }

    public JwksService jwks() {
        return new JwksService(keys);
    }

    /** Refuses every token the user holds now: access tokens through the deny-list, refresh tokens in the database. */
    Instant revokeEverything(String userId) {
        Instant cutoff = Times.truncate(clock.instant()).plusMillis(1);
        revocations.revokeUser(userId, cutoff);
        refreshTokens.revokeAll(userId);
        apiKeys.forgetCached();
        return cutoff;
    }

    Clock clock() {
        return clock;
    }

    UserStore users() {
        return users;
    }

    Passwords passwords() {
        return passwords;
    }

    AccessTokens accessTokens() {
        return accessTokens;
    }

    RefreshTokens refreshTokens() {
        return refreshTokens;
    }

    Revocations revocations() {
        return revocations;
    }

    ApiKeys apiKeys() {
        return apiKeys;
    }
}
