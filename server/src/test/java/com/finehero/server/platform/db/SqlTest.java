package com.finehero.server.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SqlTest {

    private Connection connection;

    @BeforeEach
    void openDatabase() throws SQLException {
        connection = DriverManager.getConnection("jdbc:h2:mem:sql-" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
        Sql.update(connection, "CREATE TABLE items (id VARCHAR(10) PRIMARY KEY, owner VARCHAR(10), made TIMESTAMP WITH TIME ZONE)", List.of());
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 1; i <= 5; i++) {
            Sql.update(connection, "INSERT INTO items VALUES (?, ?, ?)", List.of("i" + i, i % 2 == 0 ? "even" : "odd", base.plusSeconds(i)));
        }
    }

    @AfterEach
    void closeDatabase() throws SQLException {
        connection.close();
    }

    @Test
    void filtersThatAreAbsentAddNothing() {
        Sql.Where where = Sql.where().eq("owner", "").eq("id", null).in("id", List.of()).atLeast("made", null).beforeKey("made", "id", null, null);
        assertThat(where.clause()).isEmpty();
        assertThat(where.params(10)).containsExactly(10);
    }

    @Test
    void presentFiltersNarrowTheRowsInOrder() throws SQLException {
        Sql.Where where = Sql.where().eq("owner", "odd").in("id", List.of("i1", "i3", "i4")).atLeast("made", Instant.parse("2026-01-01T00:00:02Z"));
        List<String> ids = Sql.list(connection, "SELECT id FROM items" + where.clause() + " ORDER BY id LIMIT ?", where.params(10),
                row -> row.getString("id"));
        assertThat(ids).containsExactly("i3");
    }

    @Test
    void keysetConditionContinuesAfterTheLastRow() throws SQLException {
        Instant lastMade = Instant.parse("2026-01-01T00:00:04Z");
        Sql.Where where = Sql.where().beforeKey("made", "id", lastMade, "i4");
        List<String> ids = Sql.list(connection, "SELECT id FROM items" + where.clause() + " ORDER BY made DESC, id DESC",
                where.params(), row -> row.getString("id"));
        assertThat(ids).containsExactly("i3", "i2", "i1");
    }

    @Test
    void oneAndUpdateReportWhatTheyFound() throws SQLException {
        assertThat(Sql.one(connection, "SELECT owner FROM items WHERE id = ?", List.of("i2"), row -> row.getString(1))).contains("even");
        assertThat(Sql.one(connection, "SELECT owner FROM items WHERE id = ?", List.of("nope"), row -> row.getString(1))).isEmpty();
        assertThat(Sql.update(connection, "DELETE FROM items WHERE owner = ?", List.of("odd"))).isEqualTo(3);
    }

    @Test
    void aBatchSaysWhichStatementsChangedARow() throws SQLException {
        boolean[] changed = Sql.batch(connection, "UPDATE items SET owner = ? WHERE id = ?",
                List.of(List.of("none", "i1"), List.of("none", "nope"), List.of("none", "i5")));
        assertThat(changed).containsExactly(true, false, true);
        assertThat(Sql.list(connection, "SELECT id FROM items WHERE owner = ? ORDER BY id", List.of("none"), row -> row.getString(1)))
                .containsExactly("i1", "i5");
    }

    @Test
    void concatenatedParametersKeepTheirNullsAndBindAsSqlNull() throws SQLException {
        List<Object> params = Sql.concat(List.of("i6"), Arrays.asList(null, null));
        assertThat(params).containsExactly("i6", null, null);
        Sql.update(connection, "INSERT INTO items VALUES (?, ?, ?)", params);
        assertThat(Sql.one(connection, "SELECT id FROM items WHERE owner IS NULL AND made IS NULL", List.of(), row -> row.getString(1)))
                .contains("i6");
    }

    @Test
    void chunksCoverEveryItemInOrderWithinTheBound() {
        assertThat(Sql.chunks(List.of(1, 2, 3, 4, 5), 2)).containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
        assertThat(Sql.chunks(List.of(1, 2), 2)).containsExactly(List.of(1, 2));
        assertThat(Sql.chunks(List.of(), 2)).isEmpty();
    }

    @Test
    void insertRowsWritesOneStatementForManyRows() throws SQLException {
        String sql = Sql.insertRows("INSERT INTO items (id, owner) VALUES ", "(?, ?)", 3);
        assertThat(sql).isEqualTo("INSERT INTO items (id, owner) VALUES (?, ?), (?, ?), (?, ?)");
        assertThat(Sql.update(connection, sql, List.of("a", "x", "b", "x", "c", "x"))).isEqualTo(3);
        assertThat(Sql.list(connection, "SELECT id FROM items WHERE owner = 'x' ORDER BY id", List.of(), row -> row.getString(1)))
                .containsExactly("a", "b", "c");
    }
}
