package com.finehero.server.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where refresh tokens live, known by the SHA-256 of the token, never the token. Every method is one
 * transaction. Implemented by {@link JdbcRefreshTokenStore}; {@link RefreshTokens} decides what a
 * presented token is worth.
 */
interface RefreshTokenStore {

    /** A stored token as rotation sees it. */
    record Stored(String id, String familyId, String userId, Instant expiresAt, boolean used, boolean revoked) { }

    /** A token to add to a family. */
    record NewToken(String familyId, String userId, String tokenHash, Instant createTime, Instant expiresAt) { }

    /** What to do with a presented token, decided while it is locked. */
    sealed interface Decision {
        /** Changes nothing. */
        record Refuse(String reason) implements Decision { }

        /** Revokes every live token of the family. */
        record RevokeFamily(String familyId, Instant time) implements Decision { }

        /** Marks the token used and adds its successor. */
        record Replace(String usedId, Instant time, NewToken next) implements Decision { }
    }

    void add(NewToken token);

    /**
     * Locks the token with {@code tokenHash} (empty if there is none), asks {@code decide} what to do
     * with it and does that, all in one transaction, so a token is used at most once. Returns the decision.
     */
    Decision rotate(String tokenHash, Function<Optional<Stored>, Decision> decide);

    /** Revokes the family of the token with {@code tokenHash} if it belongs to {@code userId}; false if it does not. */
    boolean revokeFamilyOf(String tokenHash, String userId, Instant time);

    /** Revokes every live token of the user. */
    void revokeAll(String userId, Instant time);
}
