package com.finehero.server.auth;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.User;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * Where accounts live. Usernames are kept {@linkplain #normalise normalised}, so they compare
 * case-insensitively. Every method is one transaction. Implemented by {@link JdbcUserStore}.
 */
public interface UserStore {

    /** A user: the public record plus its password hash, which never leaves this package. */
    record Account(User user, String passwordHash) {
        Set<Role> roles() {
            return user.getRolesList().isEmpty() ? Set.of() : EnumSet.copyOf(user.getRolesList());
        }
    }

    static String normalise(String username) {
        return username.strip().toLowerCase(Locale.ROOT);
    }

    /** Adds an enabled user. ALREADY_EXISTS when the normalised username is taken. */
    Account create(String username, String displayName, Set<Role> roles, String passwordHash);

    Optional<Account> find(String id);

    Optional<Account> findByUsername(String username);

    /** Users ordered by username, after {@code afterUsername}. */
    List<User> list(String afterUsername, int limit);

    /** NOT_FOUND for an unknown id. */
    Account setRoles(String id, Set<Role> roles);

    /** NOT_FOUND for an unknown id. */
    Account setDisabled(String id, boolean disabled);

    /** The user, or NOT_FOUND. */
    default Account require(String id) {
        return find(id).orElseThrow(() -> new FineHeroException.NotFound("USER_NOT_FOUND", "user " + id + " does not exist"));
    }
}
