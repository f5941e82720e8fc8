package com.finehero.server.auth;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;

/** {@link RefreshTokenStore} in the {@code refresh_tokens} table; the same SQL on PostgreSQL and H2. */
final class JdbcRefreshTokenStore implements RefreshTokenStore {

    private final Database db;

    public JdbcRefreshTokenStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public void add(NewToken token) {
        db.inTransaction(connection -> insert(connection, token));
    }

    @Override
    public Decision rotate(String tokenHash, Function<Optional<Stored>, Decision> decide) {
        return db.inTransaction(connection -> {
            Optional<Stored> presented = Sql.one(connection, "SELECT id, family_id, user_id, expire_time, used_time, revoke_time "
                    + "FROM refresh_tokens WHERE token_hash = ? FOR UPDATE", List.of(tokenHash), JdbcRefreshTokenStore::stored);
            Decision decision = decide.apply(presented);
            switch (decision) {
                case Decision.Refuse refuse -> { }
                case Decision.RevokeFamily revoke -> revokeFamily(connection, revoke.familyId(), revoke.time());
                case Decision.Replace replace -> {
                    Sql.update(connection, "UPDATE refresh_tokens SET used_time = ? WHERE id = ?", List.of(replace.time(), replace.usedId()));
                    insert(connection, replace.next());
                }
            }
            return decision;
        });
    }

    @Override
    public boolean revokeFamilyOf(String tokenHash, String userId, Instant time) {
        return db.inTransaction(connection -> {
            Optional<String> family = Sql.one(connection, "SELECT family_id FROM refresh_tokens WHERE token_hash = ? AND user_id = ?",
                    List.of(tokenHash, userId), rows -> rows.getString(1));
            if (family.isEmpty()) {
                return false;
            }
            revokeFamily(connection, family.get(), time);
            return true;
        });
    }

    @Override
    public void revokeAll(String userId, Instant time) {
        db.inTransaction(connection -> Sql.update(connection,
                "UPDATE refresh_tokens SET revoke_time = ? WHERE user_id = ? AND revoke_time IS NULL", List.of(time, userId)));
    }

    private static void revokeFamily(Connection connection, String familyId, Instant time) throws SQLException {
        Sql.update(connection, "UPDATE refresh_tokens SET revoke_time = ? WHERE family_id = ? AND revoke_time IS NULL",
                List.of(time, familyId));
    }

    private static int insert(Connection connection, NewToken token) throws SQLException {
        return Sql.update(connection, "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, create_time, expire_time) "
                + "VALUES (?, ?, ?, ?, ?, ?)", List.of(UUID.randomUUID().toString(), token.familyId(), token.userId(),
                token.tokenHash(), token.createTime(), token.expiresAt()));
    }

    private static Stored stored(ResultSet row) throws SQLException {
        return new Stored(row.getString("id"), row.getString("family_id"), row.getString("user_id"),
                row.getObject("expire_time", OffsetDateTime.class).toInstant(),
                row.getObject("used_time", OffsetDateTime.class) != null,
                row.getObject("revoke_time", OffsetDateTime.class) != null);
    }
}
