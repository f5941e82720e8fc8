package com.finehero.server.auth;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.api.auth.v1.ApiKey;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.cache.LocalCaches;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.github.benmanes.caffeine.cache.Cache;

/**
 * API keys: {@code fh_} + 256 random bits. The database keeps the first characters (to find a key and
 * to show it) and a SHA-256 of the whole key, never the key. A key found by its prefix is remembered
 * for {@code recheck}, which bounds how long another instance may still accept a revoked key.
 */
final class ApiKeys {

    private static final System.Logger LOG = System.getLogger(ApiKeys.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SCHEME = "fh_";
    private static final int PREFIX_CHARS = SCHEME.length() + 8;
    private static final int KEY_CHARS = SCHEME.length() + 43;
    private static final String COLUMNS = "k.id, k.prefix, k.secret_hash, k.name, k.owner_id, k.roles, k.create_time, "
            + "k.expire_time, k.last_used_time, k.revoke_time, u.username, u.disabled";

    /** A key as checked on each call: the record, its hash, and its owner's standing. */
    record Stored(ApiKey key, String secretHash, String ownerName, boolean ownerDisabled) { }

    /** A key just made, with the secret shown once. */
    record Created(ApiKey key, String secret) { }

    private final Database db;
    private final Clock clock;
    private final Cache<String, Optional<Stored>> byPrefix;
    private final Map<String, Instant> lastUseWritten = new ConcurrentHashMap<>();

    ApiKeys(Database db, Clock clock, Duration recheck) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.byPrefix = LocalCaches.builder().maximumSize(100_000).expireAfterWrite(recheck).build();
    }

    Created create(String name, String ownerId, Set<Role> roles, Instant expiresAt) {
        Instant now = Times.truncate(clock.instant());
        for (int attempt = 0; ; attempt++) {
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            String secret = SCHEME + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            String id = UUID.randomUUID().toString();
            try {
                db.inTransaction(connection -> {
                    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO api_keys "
                            + "(id, prefix, secret_hash, name, owner_id, roles, create_time, expire_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                        insert.setString(1, id);
                        insert.setString(2, secret.substring(0, PREFIX_CHARS));
                        insert.setString(3, RefreshTokens.hash(secret));
                        insert.setString(4, name);
                        insert.setString(5, ownerId);
                        insert.setString(6, RolesColumn.encode(roles));
                        insert.setObject(7, Times.toSql(now));
                        insert.setObject(8, expiresAt == null ? null : Times.toSql(Times.truncate(expiresAt)));
                        insert.executeUpdate();
                    }
                    return null;
                });
                return new Created(find(id).orElseThrow().key(), secret);
            } catch (Database.DatabaseException e) {
                // two keys sharing 48 random bits of prefix: draw again
                if (attempt >= 3 || !db.dialect().isUniqueViolation(e.sqlException())) {
                    throw e;
                }
            }
        }
    }

    /** The key's record if {@code secret} is a live key; otherwise UNAUTHENTICATED. */
    Stored verify(String secret) {
        if (secret.length() != KEY_CHARS || !secret.startsWith(SCHEME)) {
            throw invalid();
        }
        Stored stored = byPrefix.get(secret.substring(0, PREFIX_CHARS), prefix -> selectOne("k.prefix = ?", prefix)).orElseThrow(ApiKeys::invalid);
        boolean matches = MessageDigest.isEqual(stored.secretHash().getBytes(StandardCharsets.US_ASCII),
                RefreshTokens.hash(secret).getBytes(StandardCharsets.US_ASCII));
        Instant now = clock.instant();
        if (!matches || stored.key().hasRevokeTime() || stored.ownerDisabled()
                || (stored.key().hasExpireTime() && !now.isBefore(Times.toInstant(stored.key().getExpireTime())))) {
            throw invalid();
        }
        noteUse(stored.key().getApiKeyId(), now);
        return stored;
    }

    Optional<Stored> find(String id) {
        return selectOne("k.id = ?", id);
    }

    /** Keys newest first, of one owner or (empty owner) all, before the key with id {@code afterId}. */
    List<ApiKey> list(String ownerId, Instant beforeTime, String beforeId, int limit) {
        String sql = "SELECT " + COLUMNS + " FROM api_keys k JOIN users u ON u.id = k.owner_id WHERE "
                + (ownerId.isEmpty() ? "" : "k.owner_id = ? AND ")
                + "(k.create_time < ? OR (k.create_time = ? AND k.id < ?)) ORDER BY k.create_time DESC, k.id DESC LIMIT ?";
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                int i = 1;
                if (!ownerId.isEmpty()) {
                    select.setString(i++, ownerId);
                }
                select.setObject(i++, Times.toSql(beforeTime));
                select.setObject(i++, Times.toSql(beforeTime));
                select.setString(i++, beforeId);
                select.setInt(i, limit);
                List<ApiKey> keys = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        keys.add(read(rows).key());
                    }
                }
                return keys;
            }
        });
    }

    ApiKey revoke(String id) {
        db.inTransaction(connection -> {
            try (PreparedStatement revoke = connection.prepareStatement("UPDATE api_keys SET revoke_time = ? WHERE id = ? AND revoke_time IS NULL")) {
                revoke.setObject(1, Times.toSql(Times.truncate(clock.instant())));
                revoke.setString(2, id);
                return revoke.executeUpdate();
            }
        });
        byPrefix.invalidateAll();
        return find(id).orElseThrow().key();
    }

    /** Forgets cached keys, e.g. after their owner was disabled. */
    void forgetCached() {
        byPrefix.invalidateAll();
    }

    /** Writes last_used_time at most once a minute per key, off the caller's path. */
    private void noteUse(String id, Instant now) {
        Instant previous = lastUseWritten.get(id);
        if (previous != null && Duration.between(previous, now).compareTo(Duration.ofMinutes(1)) < 0) {
            return;
        }
        lastUseWritten.put(id, now);
        Thread.ofVirtual().name("finehero-api-key-use").start(() -> {
            try {
                db.inTransaction(connection -> {
                    try (PreparedStatement update = connection.prepareStatement("UPDATE api_keys SET last_used_time = ? WHERE id = ?")) {
                        update.setObject(1, Times.toSql(Times.truncate(now)));
                        update.setString(2, id);
                        return update.executeUpdate();
                    }
                });
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "recording an API key's last use failed: " + e);
            }
        });
    }

    private Optional<Stored> selectOne(String where, String value) {
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                    + " FROM api_keys k JOIN users u ON u.id = k.owner_id WHERE " + where)) {
                select.setString(1, value);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(read(rows)) : Optional.empty();
                }
            }
        });
    }

    private static Stored read(ResultSet rows) throws SQLException {
        ApiKey.Builder key = ApiKey.newBuilder()
                .setApiKeyId(rows.getString("id"))
                .setPrefix(rows.getString("prefix"))
                .setName(rows.getString("name"))
                .setOwnerId(rows.getString("owner_id"))
                .addAllRoles(RolesColumn.decode(rows.getString("roles")))
                .setCreateTime(Times.fromSql(rows.getObject("create_time", OffsetDateTime.class)));
        OffsetDateTime expires = rows.getObject("expire_time", OffsetDateTime.class);
        if (expires != null) {
            key.setExpireTime(Times.fromSql(expires));
        }
        OffsetDateTime used = rows.getObject("last_used_time", OffsetDateTime.class);
        if (used != null) {
            key.setLastUsedTime(Times.fromSql(used));
        }
        OffsetDateTime revoked = rows.getObject("revoke_time", OffsetDateTime.class);
        if (revoked != null) {
            key.setRevokeTime(Times.fromSql(revoked));
        }
        return new Stored(key.build(), rows.getString("secret_hash"), rows.getString("username"), rows.getBoolean("disabled"));
    }

    static FineHeroException.Unauthenticated invalid() {
        return new FineHeroException.Unauthenticated("API_KEY_INVALID", "the API key is not valid");
    }
}
