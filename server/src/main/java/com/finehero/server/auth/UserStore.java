package com.finehero.server.auth;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.User;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.JurisdictionScope;

/**
 * Where accounts live. Usernames are kept {@linkplain #normalise normalised}, so they compare
 * case-insensitively. Every method is one transaction. Implemented by {@link JdbcUserStore}.
 */
interface UserStore {

    /**
     * A user: the public record plus its password hash, which never leaves this package. The hash is
     * empty when no password works: after a reset (until the reset token is used) and after deletion.
     */
    record Account(User user, String passwordHash) {
        Set<Role> roles() {
            return user.getRolesList().isEmpty() ? Set.of() : EnumSet.copyOf(user.getRolesList());
        }

        boolean hasPassword() {
            return !passwordHash.isEmpty();
        }

        boolean deleted() {
            return user.hasDeleteTime();
        }

        /** The jurisdictions the user reaches. */
        JurisdictionScope scope() {
            return new JurisdictionScope(user.getJurisdictionScope());
        }
    }

    static String normalise(String username) {
        return username.strip().toLowerCase(Locale.ROOT);
    }

    /** Adds an enabled user. ALREADY_EXISTS when the normalised username is taken. */
    Account create(String username, String displayName, Set<Role> roles, JurisdictionScope scope, String passwordHash,
                   boolean mustChangePassword);

    Optional<Account> find(String id);

    Optional<Account> findByUsername(String username);

    /** Users ordered by username, after {@code afterUsername}. */
    List<User> list(String afterUsername, int limit);

    /** NOT_FOUND for an unknown id. */
    Account setRoles(String id, Set<Role> roles);

    /** NOT_FOUND for an unknown id. */
    Account setJurisdictionScope(String id, JurisdictionScope scope);

    /** NOT_FOUND for an unknown id. */
    Account setDisabled(String id, boolean disabled);

    /** Replaces the password hash and clears the must-change flag and any reset token. NOT_FOUND for an unknown id. */
    Account setPassword(String id, String passwordHash);

    /** Clears the password and keeps the hash of a reset token until {@code expiresAt}. NOT_FOUND for an unknown id. */
    Account startReset(String id, String resetTokenHash, Instant expiresAt);

    /**
     * Sets the password if {@code resetTokenHash} is the user's live reset token (not expired at
     * {@code now}, not used, user not deleted), using the token up in the same statement; empty otherwise.
     */
    Optional<Account> finishReset(String id, String resetTokenHash, Instant now, String passwordHash);

    /**
     * Pseudonymises the user: username {@code deleted-<id>}, no display name, no password, disabled, the
     * deletion time set (kept from a first deletion); audit events keep their rows under the new name.
     * NOT_FOUND for an unknown id.
     */
    Account delete(String id, Instant time);

    /** The user, or NOT_FOUND. */
    default Account require(String id) {
        return find(id).orElseThrow(() -> new FineHeroException.NotFound("USER_NOT_FOUND", "user " + id + " does not exist"));
    }
}
