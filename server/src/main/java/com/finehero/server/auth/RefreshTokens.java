package com.finehero.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * Refresh tokens: 256 random bits, stored only as a SHA-256 hash. Each login starts a family; each
 * refresh uses up one token and issues the next in the family. A used token presented again means it
 * was stolen or replayed, so the whole family is revoked.
 */
final class RefreshTokens {

    /** A token just issued, in clear for the caller. */
    record Issued(String token, Instant expiresAt) { }

    /** The outcome of presenting a token. */
    sealed interface Rotation {
        record Rotated(String userId, Issued next) implements Rotation { }

        record Refused(String reason) implements Rotation { }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    private final Clock clock;
    private final java.time.Duration lifetime;

    RefreshTokens(Database db, Clock clock, java.time.Duration lifetime) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    }

    Issued startFamily(String userId) {
        return db.inTransaction(connection -> insert(connection, userId, UUID.randomUUID().toString()));
    }

    Rotation rotate(String token) {
        Instant now = clock.instant();
        return db.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, family_id, user_id, expire_time, used_time, revoke_time FROM refresh_tokens WHERE token_hash = ? FOR UPDATE")) {
                select.setString(1, hash(token));
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return new Rotation.Refused("unknown");
                    }
                    String id = row.getString("id");
                    String family = row.getString("family_id");
                    String userId = row.getString("user_id");
                    if (row.getObject("revoke_time", OffsetDateTime.class) != null) {
                        return new Rotation.Refused("revoked");
                    }
                    if (row.getObject("used_time", OffsetDateTime.class) != null) {
                        revokeFamily(connection, family, now);
                        return new Rotation.Refused("reused");
                    }
                    if (!now.isBefore(row.getObject("expire_time", OffsetDateTime.class).toInstant())) {
                        return new Rotation.Refused("expired");
                    }
                    try (PreparedStatement use = connection.prepareStatement("UPDATE refresh_tokens SET used_time = ? WHERE id = ?")) {
                        use.setObject(1, Times.toSql(now));
                        use.setString(2, id);
                        use.executeUpdate();
                    }
                    return new Rotation.Rotated(userId, insert(connection, userId, family));
                }
            }
        });
    }

    /** Revokes the family of {@code token} if it belongs to {@code userId}; false if it does not. */
    boolean revokeFamilyOf(String token, String userId) {
        Instant now = clock.instant();
        return db.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT family_id FROM refresh_tokens WHERE token_hash = ? AND user_id = ?")) {
                select.setString(1, hash(token));
                select.setString(2, userId);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return false;
                    }
                    revokeFamily(connection, row.getString(1), now);
                    return true;
                }
            }
        });
    }

    void revokeAll(String userId) {
        db.inTransaction(connection -> {
            try (PreparedStatement revoke = connection.prepareStatement(
                    "UPDATE refresh_tokens SET revoke_time = ? WHERE user_id = ? AND revoke_time IS NULL")) {
                revoke.setObject(1, Times.toSql(clock.instant()));
                revoke.setString(2, userId);
                return revoke.executeUpdate();
            }
        });
    }

    private static void revokeFamily(Connection connection, String family, Instant now) throws SQLException {
        try (PreparedStatement revoke = connection.prepareStatement(
                "UPDATE refresh_tokens SET revoke_time = ? WHERE family_id = ? AND revoke_time IS NULL")) {
            revoke.setObject(1, Times.toSql(now));
            revoke.setString(2, family);
            revoke.executeUpdate();
        }
    }

    private Issued insert(Connection connection, String userId, String family) throws SQLException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "fhr_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = Times.truncate(clock.instant());
        Instant expires = now.plus(lifetime);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO refresh_tokens "
                + "(id, family_id, user_id, token_hash, create_time, expire_time) VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.setString(2, family);
            insert.setString(3, userId);
            insert.setString(4, hash(token));
            insert.setObject(5, Times.toSql(now));
            insert.setObject(6, Times.toSql(expires));
            insert.executeUpdate();
        }
        return new Issued(token, expires);
    }

    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static FineHeroException.Unauthenticated refused() {
        return new FineHeroException.Unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid: log in again");
    }
}
