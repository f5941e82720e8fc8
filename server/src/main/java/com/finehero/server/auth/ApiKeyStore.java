package com.finehero.server.auth;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.finehero.api.auth.v1.ApiKey;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.security.JurisdictionScope;

/**
 * Where API keys live, known by their prefix and the SHA-256 of the whole secret, never the secret.
 * Every method is one transaction. Implemented by {@link JdbcApiKeyStore}; {@link ApiKeys} makes and
 * checks the secrets.
 */
interface ApiKeyStore {

    /** A key as checked on each call: the record, its hash, and its owner's standing and current roles. */
    record Stored(ApiKey key, String secretHash, String ownerName, boolean ownerDisabled, Set<Role> ownerRoles,
                  JurisdictionScope ownerScope) {
        /** The roles a call with this key runs with: the key's, as far as its owner still holds them. */
        Set<Role> effectiveRoles() {
            Set<Role> roles = EnumSet.noneOf(Role.class);
            roles.addAll(key.getRolesList());
            roles.retainAll(ownerRoles);
            return roles;
        }

        /**
         * The jurisdictions a call with this key reaches: the key's, as far as its owner still reaches
         * them (the owner's when the key names none, or names a wider one); null when the owner no longer
         * reaches any of the key's.
         */
        JurisdictionScope effectiveScope() {
            return new JurisdictionScope(key.getJurisdictionScope()).narrowest(ownerScope);
        }
    }

    /** A key to add; {@code expiresAt} is null for a key that does not expire. */
    record NewKey(String prefix, String secretHash, String name, String ownerId, Set<Role> roles, JurisdictionScope scope,
                  Instant createTime, Instant expiresAt) { }

    /** The last key of the previous page in listing order. */
    record Cursor(Instant createTime, String id) { }

    /** Adds a key and returns it; empty when another key already has its prefix. */
    Optional<ApiKey> add(NewKey key);

    Optional<Stored> find(String id);

    Optional<Stored> findByPrefix(String prefix);

    /** Keys newest first, of one owner or (empty owner) all, after {@code after} (null: from the newest). */
    List<ApiKey> list(String ownerId, Cursor after, int limit);

    /** Revokes the key at {@code time} unless it is revoked already. */
    void revoke(String id, Instant time);

    /** Revokes every live key of the owner at {@code time}; returns how many. */
    int revokeAllOf(String ownerId, Instant time);

    void recordUse(String id, Instant time);
}
