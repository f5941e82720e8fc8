package com.finehero.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.finehero.server.auth.RefreshTokenStore.Decision;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * Refresh tokens: 256 random bits, stored only as a SHA-256 hash. Each login starts a family; each
 * refresh uses up one token and issues the next in the family. A used token presented again means it
 * was stolen or replayed, so the whole family is revoked.
 */
final class RefreshTokens {

    private static final String SCHEME = "fhr_";

    /** A token just issued, in clear for the caller. */
    record Issued(String token, Instant expiresAt) { }

    /** The outcome of presenting a token. */
    sealed interface Rotation {
        record Rotated(String userId, Issued next) implements Rotation { }

        record Refused(String reason) implements Rotation { }
    }

    private final RefreshTokenStore store;
    private final Clock clock;
    private final Duration lifetime;

    public RefreshTokens(RefreshTokenStore store, Clock clock, Duration lifetime) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    }

    Issued startFamily(String userId) {
        String token = Secrets.draw(SCHEME);
        RefreshTokenStore.NewToken first = newToken(UUID.randomUUID().toString(), userId, token);
        store.add(first);
        return new Issued(token, first.expiresAt());
    }

    Rotation rotate(String token) {
        Instant now = clock.instant();
        String next = Secrets.draw(SCHEME);
        Decision decision = store.rotate(Secrets.hash(token), presented -> decide(presented, now, next));
        return switch (decision) {
            case Decision.Replace replace -> new Rotation.Rotated(replace.next().userId(), new Issued(next, replace.next().expiresAt()));
            case Decision.RevokeFamily revoke -> new Rotation.Refused("reused");
            case Decision.Refuse refuse -> new Rotation.Refused(refuse.reason());
        };
    }

    private Decision decide(Optional<RefreshTokenStore.Stored> presented, Instant now, String next) {
        if (presented.isEmpty()) {
            return new Decision.Refuse("unknown");
        }
        RefreshTokenStore.Stored token = presented.get();
        if (token.revoked()) {
            return new Decision.Refuse("revoked");
        }
        if (token.used()) {
            return new Decision.RevokeFamily(token.familyId(), now);
        }
        if (!now.isBefore(token.expiresAt())) {
            return new Decision.Refuse("expired");
        }
        return new Decision.Replace(token.id(), now, newToken(token.familyId(), token.userId(), next));
    }

    /** Revokes the family of {@code token} if it belongs to {@code userId}; false if it does not. */
    boolean revokeFamilyOf(String token, String userId) {
        return store.revokeFamilyOf(Secrets.hash(token), userId, clock.instant());
    }

    void revokeAll(String userId) {
        store.revokeAll(userId, clock.instant());
    }

    private RefreshTokenStore.NewToken newToken(String familyId, String userId, String token) {
        Instant now = Times.truncate(clock.instant());
        return new RefreshTokenStore.NewToken(familyId, userId, Secrets.hash(token), now, now.plus(lifetime));
    }

    static FineHeroException.Unauthenticated refused() {
        return new FineHeroException.Unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid: log in again");
    }
}
