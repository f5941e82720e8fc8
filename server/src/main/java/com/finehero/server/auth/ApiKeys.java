package com.finehero.server.auth;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.api.auth.v1.ApiKey;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.cache.LocalCaches;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.JurisdictionScope;
import com.github.benmanes.caffeine.cache.Cache;

/**
 * API keys: {@code fh_} + 256 random bits. The database keeps the first characters (to find a key and
 * to show it) and a SHA-256 of the whole key, never the key. A key acts with the roles it holds that
 * its owner still holds, and not at all for a disabled owner. A key found by its prefix, with its
 * owner's standing, is remembered for {@code recheck}, which bounds how long another instance may
 * still accept a revoked key or roles its owner lost.
 */
final class ApiKeys {

    private static final System.Logger LOG = System.getLogger(ApiKeys.class.getName());
    private static final String SCHEME = "fh_";
    private static final int PREFIX_CHARS = SCHEME.length() + 8;
    private static final int KEY_CHARS = SCHEME.length() + 43;

    /** A key just made, with the secret shown once. */
    record Created(ApiKey key, String secret) { }

    private final ApiKeyStore store;
    private final Clock clock;
    private final Cache<String, Optional<ApiKeyStore.Stored>> byPrefix;
    private final Map<String, Instant> lastUseWritten = new ConcurrentHashMap<>();

    public ApiKeys(ApiKeyStore store, Clock clock, Duration recheck) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.byPrefix = LocalCaches.builder().maximumSize(100_000).expireAfterWrite(recheck).build();
    }

    Created create(String name, String ownerId, Set<Role> roles, JurisdictionScope scope, Instant expiresAt) {
        Instant now = Times.truncate(clock.instant());
        for (int attempt = 0; ; attempt++) {
            String secret = Secrets.draw(SCHEME);
            Optional<ApiKey> added = store.add(new ApiKeyStore.NewKey(secret.substring(0, PREFIX_CHARS), Secrets.hash(secret),
                    name, ownerId, roles, scope, now, expiresAt));
            if (added.isPresent()) {
                return new Created(added.get(), secret);
            }
            // two keys sharing 48 random bits of prefix: draw again
            if (attempt >= 3) {
                throw new IllegalStateException("four new API keys in a row drew a prefix that was taken");
            }
        }
    }

    /** A live key and the roles and jurisdiction scope a call with it runs with. */
    record Verified(ApiKeyStore.Stored stored, Set<Role> roles, JurisdictionScope scope) { }

    /**
     * Whether what {@code text} holds from {@code from} on has an API key's shape (access tokens, being
     * JWTs, never start with the scheme).
     */
    static boolean looksLikeKey(String text, int from) {
        return text.startsWith(SCHEME, from);
    }

    /** The key's record and effective roles if {@code secret} is a live key; otherwise UNAUTHENTICATED. */
    Verified verify(String secret) {
        if (secret.length() != KEY_CHARS || !secret.startsWith(SCHEME)) {
            throw invalid();
        }
        ApiKeyStore.Stored stored = byPrefix.get(secret.substring(0, PREFIX_CHARS), store::findByPrefix).orElseThrow(ApiKeys::invalid);
        boolean matches = MessageDigest.isEqual(stored.secretHash().getBytes(StandardCharsets.US_ASCII),
                Secrets.hash(secret).getBytes(StandardCharsets.US_ASCII));
        Instant now = clock.instant();
        if (!matches || stored.key().hasRevokeTime() || stored.ownerDisabled()
                || (stored.key().hasExpireTime() && !now.isBefore(Times.toInstant(stored.key().getExpireTime())))) {
            throw invalid();
        }
        Set<Role> roles = stored.effectiveRoles();
        if (roles.isEmpty()) {
            throw new FineHeroException.Unauthenticated("API_KEY_INVALID", "the API key is not valid: its owner no longer holds any of its roles");
        }
        JurisdictionScope scope = stored.effectiveScope();
        if (scope == null) {
            throw new FineHeroException.Unauthenticated("API_KEY_INVALID",
                    "the API key is not valid: its owner no longer reaches its jurisdiction scope");
        }
        noteUse(stored.key().getApiKeyId(), now);
        return new Verified(stored, roles, scope);
    }

    Optional<ApiKeyStore.Stored> find(String id) {
        return store.find(id);
    }

    /** Keys newest first, of one owner or (empty owner) all, after {@code after} (null: from the newest). */
    List<ApiKey> list(String ownerId, ApiKeyStore.Cursor after, int limit) {
        return store.list(ownerId, after, limit);
    }

    ApiKey revoke(String id) {
        store.revoke(id, clock.instant());
        byPrefix.invalidateAll();
        return store.find(id).orElseThrow().key();
    }

    /** Revokes every key of the owner; returns how many were live. */
    int revokeAllOf(String ownerId) {
        int revoked = store.revokeAllOf(ownerId, clock.instant());
        byPrefix.invalidateAll();
        return revoked;
    }

    /** Forgets cached keys, e.g. after their owner's roles or jurisdiction scope changed. */
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
                store.recordUse(id, now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "recording an API key's last use failed: " + e);
            }
        });
    }

    static FineHeroException.Unauthenticated invalid() {
        return new FineHeroException.Unauthenticated("API_KEY_INVALID", "the API key is not valid");
    }
}
