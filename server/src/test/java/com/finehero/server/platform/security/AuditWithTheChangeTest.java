package com.finehero.server.platform.security;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.google.protobuf.FieldMask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A change and its audit record become visible together: a reader that sees a fine's new version in
 * one snapshot also sees the audit event of the update that made it. Were the event written after the
 * change (queued for a background writer), a reader polling while updates run would catch the change
 * without its record — and a process killed in that moment would lose the record for good.
 */
class AuditWithTheChangeTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    private static final String UPDATE = "finehero.fines.v1.FinesService/UpdateFine";

    @Test
    void noSnapshotShowsAChangeWithoutItsAuditRecord() throws Exception {
        Fine fine = Fixtures.fine(APP, APP.channel(), "AUDIT-SNAPSHOT-1", "AUDSNAP");
        long first = fine.getVersion();
        AtomicBoolean updating = new AtomicBoolean(true);
        List<String> torn = new ArrayList<>();
        long[] snapshots = new long[1];
        Thread reader = Thread.ofPlatform().start(() -> {
            try (Connection connection = connect()) {
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                while (updating.get() && torn.size() < 5) {
                    long version = scalar(connection, "SELECT version FROM fines WHERE id = ?", fine.getId());
                    // by method only: an update names its fine inside its request, so the event written with the
                    // change learns the fine's id at the call's end; the suite's schema holds this test's updates only
                    long recorded = scalar(connection, "SELECT COUNT(*) FROM audit_events WHERE method = ?", UPDATE);
                    connection.commit();
                    snapshots[0]++;
                    if (recorded < version - first) {
                        torn.add("version " + version + " visible with " + recorded + " update event(s) recorded");
                    }
                }
            } catch (SQLException e) {
                torn.add("reader failed: " + e);
            }
        });
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
        long version = first;
        for (int i = 0; i < 150; i++) {
            version = fines.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(version).setOwnerId("owner-" + i))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("owner_id")).build()).getVersion();
        }
        updating.set(false);
        reader.join();
        assertThat(torn).isEmpty();
        assertThat(snapshots[0]).as("snapshots read while updating").isGreaterThan(100);
    }

    private static long scalar(Connection connection, String sql, String id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static Connection connect() throws SQLException {
        Connection connection = DriverManager.getConnection(setting("finehero.db.url"), setting("finehero.db.user"), "");
        connection.setSchema(setting("finehero.db.schema"));
        return connection;
    }

    private static String setting(String key) {
        return APP.config().get(key).asString().orElse("");
    }
}
