package com.finehero.server.events;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.server.platform.events.FeedEvent;
import com.finehero.server.platform.events.Subscription;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The feed itself, below the RPCs: ids that commit out of order are handed out in id order, an id
 * whose transaction rolled back is given up after the gap grace, and a subscriber that falls behind
 * gets a RESYNC and then every event it missed, from the outbox. Rows are written from the test's own
 * connections, so a transaction can be held open or rolled back at will.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FeedContractTest {

    abstract FineHeroExtension app();

    static FineHeroExtension configured(FineHeroExtension app) {
        return app.with("finehero.events.queue", "4")
                .with("finehero.db.pool.max", "3")
                .with("finehero.events.gap-grace", "PT3S")
                .with("finehero.events.catch-up", "PT0.2S");
    }

    private Connection connect() throws SQLException {
        String url = app().config().get("finehero.db.url").asString().get();
        Connection connection = app().backend() == Backend.H2
                ? DriverManager.getConnection(url, "sa", "")
                : DriverManager.getConnection(url, Backend.pgUser(), "");
        app().config().get("finehero.db.schema").asString().filter(s -> !s.isEmpty()).ifPresent(schema -> {
            try (var statement = connection.createStatement()) {
                statement.execute("SET search_path TO " + schema);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        return connection;
    }

    /** Inserts an outbox row of {@code topic} on {@code connection} (committed only when it commits). */
    private static void insert(Connection connection, String topic, String recordId) throws SQLException {
        insert(connection, topic, recordId, OffsetDateTime.now(ZoneOffset.UTC));
    }

    private static void insert(Connection connection, String topic, String recordId, OffsetDateTime time) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO event_outbox (topic, kind, record_id, owner_id, "
                + "jurisdiction, payload, create_time) VALUES (?, 'TEST', ?, '', '', ?, ?)")) {
            insert.setString(1, topic);
            insert.setString(2, recordId);
            insert.setBytes(3, new byte[0]);
            insert.setObject(4, time);
            insert.executeUpdate();
        }
    }

    private Subscription subscribe(String topic) {
        return app().app().events().subscribe(Principal.SYSTEM, "test", event -> event.topic().equals(topic), 0);
    }

    @Test
    void aWatcherOfOneRecordIsOfferedOnlyThatRecordsEvents() throws Exception {
        String topic = "rec-" + UUID.randomUUID().toString().substring(0, 8);
        Set<String> offered = ConcurrentHashMap.newKeySet();
        try (Subscription events = app().app().events().subscribe(Principal.SYSTEM, "test", Set.of(topic + "-mine"), event -> {
                    offered.add(event.recordId());
                    return event.recordId().equals(topic + "-mine");
                }, 0);
             Connection writer = connect()) {
            writer.setAutoCommit(true);
            insert(writer, topic, topic + "-other");
            insert(writer, topic, topic + "-mine");
            assertThat(records(events, 1)).containsExactly(topic + "-mine");
            assertThat(offered).as("records whose events reached the filter").containsExactly(topic + "-mine");
        }
    }

    @Test
    void anEventCommittedAfterANewerOneIsHandedOutFirst() throws Exception {
        String topic = "gap-" + UUID.randomUUID().toString().substring(0, 8);
        try (Subscription events = subscribe(topic);
             Connection slow = connect();
             Connection fast = connect()) {
            slow.setAutoCommit(false);
            insert(slow, topic, "first");  // takes the lower id, commits later
            fast.setAutoCommit(true);
            insert(fast, topic, "second");
            assertThat(events.next(Duration.ofSeconds(1))).as("nothing passes the id still in flight").isNull();
            slow.commit();
            assertThat(records(events, 2)).containsExactly("first", "second");
        }
    }

    @Test
    void idsInFlightTogetherAreHandedOutInIdOrderWhateverOrderTheyCommitIn() throws Exception {
        String topic = "gaps-" + UUID.randomUUID().toString().substring(0, 8);
        try (Subscription events = subscribe(topic);
             Connection first = connect();
             Connection second = connect();
             Connection third = connect();
             Connection fast = connect()) {
            List<Connection> slow = List.of(first, second, third);
            for (int i = 0; i < slow.size(); i++) {
                slow.get(i).setAutoCommit(false);
                insert(slow.get(i), topic, "slow-" + (i + 1)); // three ids missing at once: one read asks for them all
            }
            fast.setAutoCommit(true);
            insert(fast, topic, "fast");
            assertThat(events.next(Duration.ofSeconds(1))).as("nothing passes the ids still in flight").isNull();
            third.commit();
            second.commit();
            assertThat(events.next(Duration.ofSeconds(1))).as("the oldest id is still in flight").isNull();
            first.commit();
            assertThat(records(events, 4)).containsExactly("slow-1", "slow-2", "slow-3", "fast");
        }
    }

    @Test
    void aStreamOpenedAfterAReadWhileNobodyWatchedGetsWhatWasStillToBeHandedOut() throws Exception {
        String topic = "late-" + UUID.randomUUID().toString().substring(0, 8);
        var feed = app().app().events();
        try (Connection slow = connect();
             Connection fast = connect()) {
            assertThat(feed.openStreams()).as("streams open before the test (the reads take ids only without any)").isZero();
            slow.setAutoCommit(false);
            insert(slow, topic, "first"); // in flight: the feed cannot hand out anything past it
            fast.setAutoCommit(true);
            insert(fast, topic, "second");
            long reads = feed.reads();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (feed.reads() < reads + 2 && System.nanoTime() < deadline) {
                Thread.sleep(20); // reads while nobody watches: "second" is read as an id and held
            }
            assertThat(feed.reads()).as("reads of the outbox while nobody watched").isGreaterThanOrEqualTo(reads + 2);
            try (Subscription events = subscribe(topic)) {
                slow.commit();
                assertThat(records(events, 2)).containsExactly("first", "second");
            }
        }
    }

    @Test
    void anIdThatNeverCommitsIsGivenUpAfterTheGrace() throws Exception {
        String topic = "rb-" + UUID.randomUUID().toString().substring(0, 8);
        try (Subscription events = subscribe(topic);
             Connection abandoned = connect();
             Connection fast = connect()) {
            abandoned.setAutoCommit(false);
            insert(abandoned, topic, "rolled-back");
            fast.setAutoCommit(true);
            insert(fast, topic, "after");
            long start = System.nanoTime();
            abandoned.rollback();
            assertThat(records(events, 1)).containsExactly("after");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("held back for the gap grace")
                    .isGreaterThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void aSubscriberThatFallsBehindGetsResyncThenEverythingItMissed() throws Exception {
        String topic = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        try (Subscription events = subscribe(topic);
             Connection writer = connect()) {
            writer.setAutoCommit(true);
            for (int i = 0; i < 20; i++) {
                insert(writer, topic, "e" + i); // the queue holds 4: the rest overflow while nobody reads
            }
            Thread.sleep(1500);
            FeedEvent first = events.next(Duration.ofSeconds(5));
            assertThat(first).isNotNull();
            assertThat(first.isResync()).as("the first thing a subscriber that fell behind hears").isTrue();
            List<String> rest = records(events, 20);
            assertThat(rest).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "e" + i).toList());
        }
    }

    @Test
    void eventsGoOutWhileEveryPooledConnectionIsBusy() throws Exception {
        String topic = "busy-" + UUID.randomUUID().toString().substring(0, 8);
        long now = app().clock().instant().getEpochSecond();
        String citation = "BUSY-" + UUID.randomUUID().toString().substring(0, 8);
        Fine fine = FinesServiceGrpc.newBlockingStub(app().channel()).createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber(citation).setJurisdiction("BUSY").setViolationCode("P")
                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
        List<ListenableFuture<Fine>> blocked = new ArrayList<>();
        try (Subscription events = subscribe(topic);
             Connection locker = connect();
             Connection writer = connect()) {
            locker.setAutoCommit(false);
            try (PreparedStatement lock = locker.prepareStatement("SELECT citation_number FROM fines WHERE citation_number = ? FOR UPDATE")) {
                lock.setString(1, citation);
                lock.executeQuery().close();
            }
            // twice the pool's three connections: each update holds one while it waits for the row lock
            FinesServiceGrpc.FinesServiceFutureStub fines = FinesServiceGrpc.newFutureStub(app().channel())
                    .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
            for (int i = 0; i < 6; i++) {
                blocked.add(fines.updateFine(UpdateFineRequest.newBuilder()
                        .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion()).setViolationDescription("busy " + i))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("violation_description")).build()));
            }
            Thread.sleep(500);
            writer.setAutoCommit(true);
            insert(writer, topic, "while-busy");
            FeedEvent heard = events.next(Duration.ofSeconds(3));
            assertThat(blocked).as("the pool is still taken by the waiting updates").noneMatch(java.util.concurrent.Future::isDone);
            assertThat(heard).as("an event committed while every pooled connection is busy").isNotNull();
            assertThat(heard.recordId()).isEqualTo("while-busy");
            locker.rollback();
        }
        for (ListenableFuture<Fine> update : blocked) {
            try {
                update.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException conflict) {
                // all but one carried a version the first one changed
            }
        }
    }

    @Test
    void eventsInDifferentTimePartitionsGoOutInIdOrderLiveAndInAReplay() throws Exception {
        String topic = "days-" + UUID.randomUUID().toString().substring(0, 8);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        long before;
        try (Subscription events = subscribe(topic);
             Connection writer = connect()) {
            writer.setAutoCommit(true);
            try (var newest = writer.createStatement().executeQuery("SELECT COALESCE(MAX(id), 0) FROM event_outbox")) {
                newest.next();
                before = newest.getLong(1);
            }
            // ids grow down the list while the rows' times go back and forth across day boundaries (and, on
            // PostgreSQL, across partitions: yesterday's row is in the default one, as no partition was made for it)
            insert(writer, topic, "tomorrow", now.plusDays(1));
            insert(writer, topic, "today", now);
            insert(writer, topic, "yesterday", now.minusDays(1));
            insert(writer, topic, "in-two-days", now.plusDays(2));
            assertThat(records(events, 4)).containsExactly("tomorrow", "today", "yesterday", "in-two-days");
            if (app().backend() == Backend.POSTGRES_REDIS) {
                try (PreparedStatement spread = writer.prepareStatement(
                        "SELECT COUNT(DISTINCT tableoid) FROM event_outbox WHERE topic = ?")) {
                    spread.setString(1, topic);
                    try (var rows = spread.executeQuery()) {
                        rows.next();
                        assertThat(rows.getLong(1)).as("partitions the four rows are in").isEqualTo(4);
                    }
                }
            }
        }
        try (Subscription replay = app().app().events().subscribe(Principal.SYSTEM, "test", event -> event.topic().equals(topic),
                before)) {
            assertThat(records(replay, 4)).containsExactly("tomorrow", "today", "yesterday", "in-two-days");
        }
    }

    @Test
    void thePruneRemovesRowsPastTheRetentionAndKeepsTheRest() throws Exception {
        String topic = "prune-" + UUID.randomUUID().toString().substring(0, 8);
        OffsetDateTime now = app().clock().instant().atOffset(ZoneOffset.UTC);
        try (Subscription events = subscribe(topic);
             Connection writer = connect()) {
            writer.setAutoCommit(true);
            insert(writer, topic, "three-days-old", now.minusDays(3)); // on PostgreSQL in the default partition
            insert(writer, topic, "an-hour-old", now.minusHours(1));
            // read before they are pruned, as rows past retention always are: a row pruned unread would
            // leave a gap the feed waits out, holding back the events of the tests after this one
            assertThat(records(events, 2)).containsExactly("three-days-old", "an-hour-old");

            var upkeep = app().app().events().prune();

            assertThat(upkeep.skipped()).isFalse();
            assertThat(upkeep.deleted()).as("rows deleted one by one: H2's, and the default partition's").isGreaterThanOrEqualTo(1);
            List<String> left = new ArrayList<>();
            try (PreparedStatement rows = writer.prepareStatement("SELECT record_id FROM event_outbox WHERE topic = ? ORDER BY id")) {
                rows.setString(1, topic);
                try (var result = rows.executeQuery()) {
                    while (result.next()) {
                        left.add(result.getString(1));
                    }
                }
            }
            assertThat(left).containsExactly("an-hour-old");
        }
    }

    /** The record ids of the next {@code count} events (RESYNC markers left out). */
    private static List<String> records(Subscription events, int count) throws InterruptedException {
        List<String> records = new ArrayList<>();
        long previous = 0;
        while (records.size() < count) {
            FeedEvent next = events.next(Duration.ofSeconds(15));
            assertThat(next).as("event " + (records.size() + 1) + " of " + count + " (got " + records + ")").isNotNull();
            if (next.isResync()) {
                continue;
            }
            assertThat(next.id()).as("ids grow").isGreaterThan(previous);
            previous = next.id();
            records.add(next.recordId());
        }
        return records;
    }
}
