package com.finehero.server.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.User;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;

/** Users in the database. Usernames are kept lower-case, so they compare case-insensitively. */
final class UserStore {

    private static final String COLUMNS = "id, username, display_name, password_hash, roles, disabled, create_time, update_time";

    /** A user row: the public record plus its password hash, which never leaves this package. */
    record Account(User user, String passwordHash) {
        Set<Role> roles() {
            return user.getRolesList().isEmpty() ? Set.of() : EnumSet.copyOf(user.getRolesList());
        }
    }

    private final Database db;
    private final Clock clock;

    UserStore(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    static String normalise(String username) {
        return username.strip().toLowerCase(Locale.ROOT);
    }

    Account create(String username, String displayName, Set<Role> roles, String passwordHash) {
        Instant now = Times.truncate(clock.instant());
        String id = UUID.randomUUID().toString();
        try {
            db.inTransaction(connection -> {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO users (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)")) {
                    insert.setString(1, id);
                    insert.setString(2, normalise(username));
                    insert.setString(3, displayName);
                    insert.setString(4, passwordHash);
                    insert.setString(5, encode(roles));
                    insert.setObject(6, Times.toSql(now));
                    insert.setObject(7, Times.toSql(now));
                    insert.executeUpdate();
                }
                return null;
            });
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                throw new FineHeroException.AlreadyExists("USERNAME_TAKEN", "the username " + normalise(username) + " is taken");
            }
            throw e;
        }
        return find(id).orElseThrow();
    }

    Optional<Account> find(String id) {
        return db.read(connection -> selectOne(connection, "id = ?", id));
    }

    Optional<Account> findByUsername(String username) {
        return db.read(connection -> selectOne(connection, "username = ?", normalise(username)));
    }

    Account require(String id) {
        return find(id).orElseThrow(() -> new FineHeroException.NotFound("USER_NOT_FOUND", "user " + id + " does not exist"));
    }

    /** Users ordered by username, after {@code afterUsername}. */
    List<User> list(String afterUsername, int limit) {
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
                    + " FROM users WHERE username > ? ORDER BY username LIMIT ?")) {
                select.setString(1, afterUsername);
                select.setInt(2, limit);
                List<User> users = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        users.add(read(rows).user());
                    }
                }
                return users;
            }
        });
    }

    Account setRoles(String id, Set<Role> roles) {
        update(id, "roles = ?", encode(roles));
        return require(id);
    }

    Account setDisabled(String id, boolean disabled) {
        update(id, "disabled = ?", disabled);
        return require(id);
    }

    private void update(String id, String assignment, Object value) {
        int changed = db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE users SET " + assignment + ", update_time = ? WHERE id = ?")) {
                update.setObject(1, value);
                update.setObject(2, Times.toSql(Times.truncate(clock.instant())));
                update.setString(3, id);
                return update.executeUpdate();
            }
        });
        if (changed == 0) {
            throw new FineHeroException.NotFound("USER_NOT_FOUND", "user " + id + " does not exist");
        }
    }

    private static Optional<Account> selectOne(Connection connection, String where, String value) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE " + where)) {
            select.setString(1, value);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        }
    }

    private static Account read(ResultSet rows) throws SQLException {
        User user = User.newBuilder()
                .setUserId(rows.getString("id"))
                .setUsername(rows.getString("username"))
                .setDisplayName(rows.getString("display_name"))
                .addAllRoles(decode(rows.getString("roles")))
                .setDisabled(rows.getBoolean("disabled"))
                .setCreateTime(Times.fromSql(rows.getObject("create_time", OffsetDateTime.class)))
                .setUpdateTime(Times.fromSql(rows.getObject("update_time", OffsetDateTime.class)))
                .build();
        return new Account(user, rows.getString("password_hash"));
    }

    static String encode(Set<Role> roles) {
        return roles.stream().sorted().map(Role::name).collect(Collectors.joining(","));
    }

    static Set<Role> decode(String roles) {
        EnumSet<Role> set = EnumSet.noneOf(Role.class);
        Arrays.stream(roles.split(",")).filter(s -> !s.isBlank()).map(Role::valueOf).forEach(set::add);
        return set;
    }
}
