package com.finehero.server.auth;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.User;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.JurisdictionScope;

/** {@link UserStore} in the {@code users} table; the same SQL on PostgreSQL and H2. */
final class JdbcUserStore implements UserStore {

    private static final String SELECT = "SELECT id, username, display_name, password_hash, roles, disabled, create_time, "
            + "update_time, must_change_password, delete_time, jurisdiction_scope FROM users";
    /** What deletion leaves of a username; unique because the id is. */
    static final String DELETED_PREFIX = "deleted-";

    private final Database db;
    private final Clock clock;

    public JdbcUserStore(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Account create(String username, String displayName, Set<Role> roles, JurisdictionScope scope, String passwordHash,
                          boolean mustChangePassword) {
        Instant now = clock.instant();
        String id = UUID.randomUUID().toString();
        String name = UserStore.normalise(username);
        try {
            db.inTransaction(connection -> Sql.update(connection, "INSERT INTO users (id, username, display_name, password_hash, "
                    + "roles, disabled, create_time, update_time, must_change_password, jurisdiction_scope) VALUES (?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?)",
                    java.util.Arrays.asList(id, name, displayName, passwordHash, RolesColumn.encode(roles), now, now, mustChangePassword,
                            scope.limited() ? scope.code() : null)));
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                throw new FineHeroException.AlreadyExists("USERNAME_TAKEN", "the username " + name + " is taken");
            }
            throw e;
        }
        return require(id);
    }

    @Override
    public Optional<Account> find(String id) {
        return db.read(connection -> Sql.one(connection, SELECT + " WHERE id = ?", List.of(id), JdbcUserStore::account));
    }

    @Override
    public Optional<Account> findByUsername(String username) {
        return db.read(connection -> Sql.one(connection, SELECT + " WHERE username = ?", List.of(UserStore.normalise(username)),
                JdbcUserStore::account));
    }

    @Override
    public List<User> list(String afterUsername, int limit) {
        return db.readReplica(connection -> Sql.list(connection, SELECT + " WHERE username > ? ORDER BY username LIMIT ?",
                List.of(afterUsername, limit), rows -> account(rows).user()));
    }

    @Override
    public Account setRoles(String id, Set<Role> roles) {
        return update(id, "roles = ?", RolesColumn.encode(roles));
    }

    @Override
    public Account setJurisdictionScope(String id, JurisdictionScope scope) {
        db.inTransaction(connection -> Sql.update(connection, "UPDATE users SET jurisdiction_scope = ?, update_time = ? WHERE id = ?",
                java.util.Arrays.asList(scope.limited() ? scope.code() : null, clock.instant(), id)));
        return require(id);
    }

    @Override
    public Account setDisabled(String id, boolean disabled) {
        return update(id, "disabled = ?", disabled);
    }

    @Override
    public Account setPassword(String id, String passwordHash) {
        return update(id, "password_hash = ?, must_change_password = FALSE, reset_token_hash = NULL, reset_expire_time = NULL",
                passwordHash);
    }

    @Override
    public Account startReset(String id, String resetTokenHash, Instant expiresAt) {
        db.inTransaction(connection -> Sql.update(connection, "UPDATE users SET password_hash = '', reset_token_hash = ?, "
                + "reset_expire_time = ?, update_time = ? WHERE id = ?", List.of(resetTokenHash, expiresAt, clock.instant(), id)));
        return require(id);
    }

    @Override
    public Optional<Account> finishReset(String id, String resetTokenHash, Instant now, String passwordHash) {
        int changed = db.inTransaction(connection -> Sql.update(connection, "UPDATE users SET password_hash = ?, "
                + "must_change_password = FALSE, reset_token_hash = NULL, reset_expire_time = NULL, update_time = ? "
                + "WHERE id = ? AND reset_token_hash = ? AND reset_expire_time > ? AND delete_time IS NULL",
                List.of(passwordHash, now, id, resetTokenHash, now)));
        return changed == 1 ? find(id) : Optional.empty();
    }

    @Override
    public Account delete(String id, Instant time) {
        String pseudonym = DELETED_PREFIX + id;
        db.inTransaction(connection -> {
            Sql.update(connection, "UPDATE users SET username = ?, display_name = '', password_hash = '', disabled = TRUE, "
                    + "must_change_password = FALSE, reset_token_hash = NULL, reset_expire_time = NULL, "
                    + "delete_time = COALESCE(delete_time, ?), update_time = ? WHERE id = ?", List.of(pseudonym, time, time, id));
            return Sql.update(connection, "UPDATE audit_events SET principal_name = ? WHERE principal_id = ?", List.of(pseudonym, id));
        });
        return require(id);
    }

    /** Applies an assignment with one parameter; an unknown id changes nothing, and {@link #require} then says NOT_FOUND. */
    private Account update(String id, String assignment, Object value) {
        db.inTransaction(connection -> Sql.update(connection, "UPDATE users SET " + assignment + ", update_time = ? WHERE id = ?",
                List.of(value, clock.instant(), id)));
        return require(id);
    }

    private static Account account(ResultSet rows) throws SQLException {
        User.Builder user = User.newBuilder()
                .setUserId(rows.getString("id"))
                .setUsername(rows.getString("username"))
                .setDisplayName(rows.getString("display_name"))
                .addAllRoles(RolesColumn.decode(rows.getString("roles")))
                .setDisabled(rows.getBoolean("disabled"))
                .setCreateTime(Times.timestamp(rows, "create_time"))
                .setUpdateTime(Times.timestamp(rows, "update_time"))
                .setMustChangePassword(rows.getBoolean("must_change_password"));
        Times.optionalTimestamp(rows, "delete_time").ifPresent(user::setDeleteTime);
        String scope = rows.getString("jurisdiction_scope");
        if (scope != null) {
            user.setJurisdictionScope(scope);
        }
        return new Account(user.build(), rows.getString("password_hash"));
    }
}
