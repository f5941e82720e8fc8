package com.finehero.server.platform.retention;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.testing.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What retention promises on every database, on a freshly migrated schema: rows older than the
 * retention go, newer rows stay, and a row is never removed before its retention is over. Times are
 * passed explicitly, far from the real clock, so the partitions the migration made around today play
 * no part.
 */
abstract class RetentionContractTest {

    static final Instant NOW = Instant.parse("2027-03-15T10:00:00Z");
    static final Duration TWO_DAYS = Duration.ofDays(2);

    private static final DbConfig.Faults FAULTS = new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1));

    Database db;
    private String schema;

    abstract Backend backend();

    @BeforeEach
    void openFreshSchema() {
        String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        db = switch (backend()) {
            case H2 -> Database.open(new DbConfig("jdbc:h2:mem:ret_" + unique
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "", "",
                    0, 4, Duration.ofSeconds(5), Duration.ofSeconds(5), FAULTS));
            case POSTGRES_REDIS -> {
                schema = "ret_" + unique;
                yield Database.open(new DbConfig(Backend.pgUrl(), Backend.pgUser(), "", schema, 0, 4, Duration.ofSeconds(5),
                        Duration.ofSeconds(5), FAULTS));
            }
        };
    }

    @AfterEach
    void dropSchema() throws SQLException {
        db.close();
        if (schema != null) {
            try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** One pass over the outbox as of {@code now}, as the event feed runs it, on a connection of its own. */
    Upkeep keepOutbox(Instant now) throws SQLException {
        try (Connection connection = db.directConnection("test")) {
            return RetentionSql.of(db.dialect()).keep(connection, Outbox.TABLE, TWO_DAYS, now);
        }
    }

    long outboxRow(String recordId, Instant time) {
        return db.inTransaction(connection -> {
            Sql.update(connection, "INSERT INTO event_outbox (topic, kind, record_id, payload, create_time)"
                    + " VALUES ('test', 'TEST', ?, ?, ?)", List.of(recordId, new byte[0], time));
            return Sql.one(connection, "SELECT MAX(id) FROM event_outbox", List.of(), row -> row.getLong(1)).orElseThrow();
        });
    }

    List<String> outboxRecords() {
        return db.read(connection -> Sql.list(connection, "SELECT record_id FROM event_outbox ORDER BY id", List.of(),
                row -> row.getString(1)));
    }

    @Test
    void rowsPastRetentionGoAndNewerOnesStay() throws SQLException {
        keepOutbox(NOW.minus(Duration.ofDays(5)));
        outboxRow("five-days-old", NOW.minus(Duration.ofDays(5)));
        outboxRow("three-days-old", NOW.minus(Duration.ofDays(3)));
        outboxRow("an-hour-old", NOW.minus(Duration.ofHours(1)));
        outboxRow("a-day-old", NOW.minus(Duration.ofDays(1)));

        keepOutbox(NOW);

        assertThat(outboxRecords()).containsExactly("an-hour-old", "a-day-old");
    }

    @Test
    void noRowGoesBeforeItsRetentionIsOver() throws SQLException {
        keepOutbox(NOW);
        outboxRow("just-inside", NOW.minus(TWO_DAYS).plusSeconds(60));
        outboxRow("now", NOW);

        keepOutbox(NOW);
        keepOutbox(NOW.plusSeconds(30));

        assertThat(outboxRecords()).containsExactly("just-inside", "now");
    }
}
