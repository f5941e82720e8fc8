package com.finehero.server.events;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.finehero.api.common.v1.Money;
import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The database's work does not grow with the number of watchers: the same 20 changes, heard by 10
 * watchers and then by 200, cost about the same number of statements (counted by H2's own query
 * statistics over the app's private in-memory database), because the feed reads each change once
 * per instance and fans it out in memory.
 */
class FeedDatabaseLoadTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.events.max-streams-per-user", "500")
            .with("finehero.events.max-streams", "1000")
            .with("finehero.events.catch-up", "PT10S")
            .with("finehero.health.database-interval", "PT10S")
            .with("finehero.tasks.poll", "PT10S");

    @Test
    void twentyTimesTheWatchersCostNoMoreStatements() throws Exception {
        long few = statementsFor(10);
        long many = statementsFor(200);
        assertThat(many).as("statements with 200 watchers vs %d with 10", few).isLessThanOrEqualTo(few + few / 2 + 20);
    }

    /** Statements the database ran while {@code watchers} streams each heard 20 new fines. */
    private long statementsFor(int watchers) throws Exception {
        List<EventWatch> watches = new ArrayList<>();
        try (Connection stats = DriverManager.getConnection(APP.config().get("finehero.db.url").asString().get(), "sa", "")) {
            for (int i = 0; i < watchers; i++) {
                watches.add(new EventWatch(APP.channel(), WatchEventsRequest.newBuilder().addTopics(EventTopic.EVENT_TOPIC_FINES).build()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> APP.app().events().openStreams() == watchers);
            execute(stats, "SET QUERY_STATISTICS_MAX_ENTRIES 10000");
            execute(stats, "SET QUERY_STATISTICS FALSE");
            execute(stats, "SET QUERY_STATISTICS TRUE");
            String last = "";
            for (int i = 0; i < 20; i++) {
                last = fine().getId();
            }
            String end = last;
            for (EventWatch watch : watches) {
                watch.until(event -> event.getFine().getId().equals(end));
            }
            long statements = executions(stats);
            execute(stats, "SET QUERY_STATISTICS FALSE");
            return statements;
        } finally {
            // the server ends the streams (as it does when it stops): 200 cancellations at once from one
            // client would look like an HTTP/2 rapid-reset attack to the server
            APP.app().events().endStreams();
            await().atMost(Duration.ofSeconds(60)).until(() -> APP.app().events().openStreams() == 0);
            watches.forEach(EventWatch::close);
        }
    }

    private static Fine fine() {
        long now = APP.clock().instant().getEpochSecond();
        return FinesServiceGrpc.newBlockingStub(APP.channel()).createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("LD-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction("LOAD")
                .setViolationCode("P").setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long executions(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COALESCE(SUM(EXECUTION_COUNT), 0) FROM INFORMATION_SCHEMA.QUERY_STATISTICS "
                     + "WHERE SQL_STATEMENT NOT LIKE '%QUERY_STATISTICS%'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
