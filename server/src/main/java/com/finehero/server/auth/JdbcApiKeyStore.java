package com.finehero.server.auth;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.finehero.api.auth.v1.ApiKey;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.JurisdictionScope;

/** {@link ApiKeyStore} in the {@code api_keys} table, joined to each key's owner; the same SQL on PostgreSQL and H2. */
final class JdbcApiKeyStore implements ApiKeyStore {

    private static final String SELECT = "SELECT k.id, k.prefix, k.secret_hash, k.name, k.owner_id, k.roles, k.create_time, "
            + "k.expire_time, k.last_used_time, k.revoke_time, k.jurisdiction_scope, u.username, u.disabled, u.roles AS owner_roles, "
            + "u.jurisdiction_scope AS owner_scope FROM api_keys k JOIN users u ON u.id = k.owner_id";

    private final Database db;

    public JdbcApiKeyStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public Optional<ApiKey> add(NewKey key) {
        String id = UUID.randomUUID().toString();
        try {
            db.inTransaction(connection -> Sql.update(connection, "INSERT INTO api_keys (id, prefix, secret_hash, name, owner_id, roles, "
                    + "create_time, expire_time, jurisdiction_scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", Arrays.asList(id, key.prefix(),
                    key.secretHash(), key.name(), key.ownerId(), RolesColumn.encode(key.roles()), key.createTime(), key.expiresAt(),
                    key.scope().limited() ? key.scope().code() : null)));
        } catch (Database.DatabaseException e) {
            if (db.dialect().isUniqueViolation(e.sqlException())) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(find(id).orElseThrow().key());
    }

    @Override
    public Optional<Stored> find(String id) {
        return db.read(connection -> Sql.one(connection, SELECT + " WHERE k.id = ?", List.of(id), JdbcApiKeyStore::stored));
    }

    @Override
    public Optional<Stored> findByPrefix(String prefix) {
        return db.read(connection -> Sql.one(connection, SELECT + " WHERE k.prefix = ?", List.of(prefix), JdbcApiKeyStore::stored));
    }

    @Override
    public List<ApiKey> list(String ownerId, Cursor after, int limit) {
        Sql.Where where = Sql.where().eq("k.owner_id", ownerId);
        if (after != null) {
            where.beforeKey("k.create_time", "k.id", after.createTime(), after.id());
        }
        return db.readReplica(connection -> Sql.list(connection, SELECT + where.clause() + " ORDER BY k.create_time DESC, k.id DESC LIMIT ?",
                where.params(limit), rows -> stored(rows).key()));
    }

    @Override
    public void revoke(String id, Instant time) {
        db.inTransaction(connection -> Sql.update(connection, "UPDATE api_keys SET revoke_time = ? WHERE id = ? AND revoke_time IS NULL",
                List.of(time, id)));
    }

    @Override
    public int revokeAllOf(String ownerId, Instant time) {
        return db.inTransaction(connection -> Sql.update(connection, "UPDATE api_keys SET revoke_time = ? WHERE owner_id = ? "
                + "AND revoke_time IS NULL", List.of(time, ownerId)));
    }

    @Override
    public void recordUse(String id, Instant time) {
        db.inTransaction(connection -> Sql.update(connection, "UPDATE api_keys SET last_used_time = ? WHERE id = ?", List.of(time, id)));
    }

    private static Stored stored(ResultSet rows) throws SQLException {
        ApiKey.Builder key = ApiKey.newBuilder()
                .setApiKeyId(rows.getString("id"))
                .setPrefix(rows.getString("prefix"))
                .setName(rows.getString("name"))
                .setOwnerId(rows.getString("owner_id"))
                .addAllRoles(RolesColumn.decode(rows.getString("roles")))
                .setCreateTime(Times.timestamp(rows, "create_time"));
        Times.optionalTimestamp(rows, "expire_time").ifPresent(key::setExpireTime);
        Times.optionalTimestamp(rows, "last_used_time").ifPresent(key::setLastUsedTime);
        Times.optionalTimestamp(rows, "revoke_time").ifPresent(key::setRevokeTime);
        String scope = rows.getString("jurisdiction_scope");
        if (scope != null) {
            key.setJurisdictionScope(scope);
        }
        String ownerScope = rows.getString("owner_scope");
        return new Stored(key.build(), rows.getString("secret_hash"), rows.getString("username"), rows.getBoolean("disabled"),
                RolesColumn.decode(rows.getString("owner_roles")), new JurisdictionScope(ownerScope == null ? "" : ownerScope));
    }
}
