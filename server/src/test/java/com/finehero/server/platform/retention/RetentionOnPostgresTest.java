package com.finehero.server.platform.retention;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.finehero.server.platform.db.Sql;
import com.finehero.server.testing.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention on PostgreSQL's partitioned tables: partitions exist ahead of the clock, expired ones are
 * dropped whole, rows that reached the default partition move into the partition made for them, and
 * instances keeping the same table at once do not fail.
 */
class RetentionOnPostgresTest extends RetentionContractTest {

    @Override
    Backend backend() {
        return Backend.POSTGRES_REDIS;
    }

    private List<String> partitions(String table) {
        return db.read(connection -> Sql.list(connection, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = to_regclass(?) ORDER BY c.relname", List.of(table), row -> row.getString(1)));
    }

    private String partitionOf(long id) {
        return db.read(connection -> Sql.one(connection, "SELECT tableoid::regclass::text FROM event_outbox WHERE id = ?",
                List.of(id), row -> row.getString(1)).orElse("gone"));
    }

    @Test
    void daysAheadAreCreatedAndDaysWhollyPastRetentionAreDropped() throws SQLException {
        Upkeep first = keepOutbox(NOW.minus(Duration.ofDays(5)));
        assertThat(first.created()).containsExactly("event_outbox_p20270310", "event_outbox_p20270311",
                "event_outbox_p20270312", "event_outbox_p20270313");
        long old = outboxRow("old", Instant.parse("2027-03-10T12:00:00Z"));
        long edge = outboxRow("edge", Instant.parse("2027-03-13T09:00:00Z"));
        assertThat(partitionOf(old)).isEqualTo("event_outbox_p20270310");

        Upkeep upkeep = keepOutbox(NOW);

        // the cutoff is 2027-03-13T10:00Z: the 13th is only partly past it, so it and its row stay
        assertThat(upkeep.dropped()).containsExactly("event_outbox_p20270310", "event_outbox_p20270311",
                "event_outbox_p20270312");
        assertThat(upkeep.created()).containsExactly("event_outbox_p20270315", "event_outbox_p20270316",
                "event_outbox_p20270317", "event_outbox_p20270318");
        assertThat(partitionOf(old)).isEqualTo("gone");
        assertThat(partitionOf(edge)).isEqualTo("event_outbox_p20270313");
        assertThat(partitions("event_outbox")).contains("event_outbox_default", "event_outbox_p20270313", "event_outbox_p20270318")
                .doesNotContain("event_outbox_p20270310", "event_outbox_p20270311", "event_outbox_p20270312");
        assertThat(keepOutbox(NOW)).as("a second pass finds nothing to do")
                .isEqualTo(new Upkeep("event_outbox", List.of(), List.of(), 0, 0, false));
    }

    @Test
    void rowsInTheDefaultPartitionMoveIntoThePartitionCreatedForThem() throws SQLException {
        keepOutbox(NOW);
        Instant farAhead = NOW.plus(Duration.ofDays(20));
        long early = outboxRow("far-ahead-1", farAhead);
        long late = outboxRow("far-ahead-2", farAhead.plus(Duration.ofHours(1)));
        long expired = outboxRow("long-ago", NOW.minus(Duration.ofDays(30)));
        assertThat(partitionOf(early)).isEqualTo("event_outbox_default");

        Upkeep upkeep = keepOutbox(farAhead);

        assertThat(upkeep.moved()).isEqualTo(2);
        assertThat(upkeep.deleted()).as("the expired row in the default partition").isEqualTo(1);
        assertThat(upkeep.created()).contains("event_outbox_p20270404");
        assertThat(partitionOf(early)).isEqualTo("event_outbox_p20270404");
        assertThat(partitionOf(late)).isEqualTo("event_outbox_p20270404");
        assertThat(partitionOf(expired)).isEqualTo("gone");
        long leftInDefault = db.read(connection -> Sql.one(connection, "SELECT COUNT(*) FROM event_outbox_default", List.of(),
                row -> row.getLong(1)).orElseThrow());
        assertThat(leftInDefault).isZero();
        // the moved partition has the parent's indexes, so reads by id stay on an index there too
        List<String> indexes = db.read(connection -> Sql.list(connection, "SELECT indexname FROM pg_indexes"
                + " WHERE schemaname = current_schema() AND tablename = 'event_outbox_p20270404'", List.of(), row -> row.getString(1)));
        assertThat(indexes).hasSize(1);
        assertThat(outboxRow("after-the-move", farAhead.plus(Duration.ofHours(2)))).isGreaterThan(late);
    }

    @Test
    void rowsWrittenWhileTheDefaultPartitionIsEmptiedAreAllKept() throws Exception {
        keepOutbox(NOW);
        Instant farAhead = NOW.plus(Duration.ofDays(20));
        java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                while (!stop.get()) {
                    outboxRow("race-" + committed.get(), farAhead.plusMillis(committed.get()));
                    committed.incrementAndGet();
                }
            } catch (RuntimeException e) {
                failed.set(e);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            while (committed.get() < 200 && failed.get() == null && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            // as of NOW nothing is dropped (a DROP would lock the whole table): only the move runs
            Upkeep upkeep = keepOutbox(NOW);
            assertThat(upkeep.dropped()).isEmpty();
            assertThat(upkeep.moved()).isPositive();
            long movedBy = committed.get();
            while (committed.get() < movedBy + 200 && failed.get() == null && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(failed.get()).as("a write while the rows moved").isNull();
        long kept = db.read(connection -> Sql.one(connection, "SELECT COUNT(*) FROM event_outbox WHERE record_id LIKE 'race-%'",
                List.of(), row -> row.getLong(1)).orElseThrow());
        assertThat(kept).as("every committed row, whether it was moved or written after").isEqualTo(committed.get());
        assertThat(partitionOf(outboxRow("after", farAhead))).isEqualTo("event_outbox_p20270404");
    }

    @Test
    void instancesKeepingTheSameTableAtOnceDoNotFail() throws Exception {
        int instances = 4;
        CyclicBarrier together = new CyclicBarrier(instances);
        List<Callable<List<Upkeep>>> passes = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            passes.add(() -> {
                List<Upkeep> done = new ArrayList<>();
                for (int day = 0; day < 10; day++) {
                    together.await();
                    done.add(keepOutbox(NOW.plus(Duration.ofDays(day))));
                }
                return done;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        try {
            List<Upkeep> all = new ArrayList<>();
            for (Future<List<Upkeep>> result : pool.invokeAll(passes)) {
                all.addAll(result.get());
            }
            assertThat(all).hasSize(40);
            assertThat(all.stream().flatMap(u -> u.created().stream()).distinct().count())
                    .as("each partition created by exactly one pass").isEqualTo(all.stream().mapToLong(u -> u.created().size()).sum());
        } finally {
            pool.shutdownNow();
        }
        assertThat(partitions("event_outbox")).contains("event_outbox_p20270327").doesNotContain("event_outbox_p20270320");
    }

    @Test
    void aPassWaitsOnlyBrieflyForALongReadAndChangesNothingWhenItGivesUp() throws Exception {
        keepOutbox(NOW.minus(Duration.ofDays(5)));
        long old = outboxRow("old", NOW.minus(Duration.ofDays(5)));
        try (Connection reader = db.directConnection("long-read")) {
            reader.setAutoCommit(false);
            Sql.list(reader, "SELECT id FROM event_outbox", List.of(), row -> row.getLong(1)); // holds its lock until it ends
            long started = System.nanoTime();
            assertThatThrownBy(() -> keepOutbox(NOW)).isInstanceOf(SQLException.class).hasMessageContaining("lock timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            reader.rollback();
        }
        assertThat(partitionOf(old)).as("the failed pass rolled back").isEqualTo("event_outbox_p20270310");
        assertThat(keepOutbox(NOW).dropped()).contains("event_outbox_p20270310");
    }

    @Test
    void auditEventsAreKeptInMonths() throws SQLException {
        AppendOnlyTable audit = new AppendOnlyTable("audit_events", "event_time", AppendOnlyTable.Slice.MONTH, 2);
        try (Connection connection = db.directConnection("test")) {
            RetentionSql sql = RetentionSql.of(db.dialect());
            assertThat(sql.keep(connection, audit, Duration.ofDays(400), Instant.parse("2026-01-20T00:00:00Z")).created())
                    .containsExactly("audit_events_p202601", "audit_events_p202602", "audit_events_p202603");
            Upkeep later = sql.keep(connection, audit, Duration.ofDays(400), Instant.parse("2027-03-05T00:00:00Z"));
            // the cutoff is 2026-01-29: January 2026 ends after it, so it stays until a pass after February 1st plus 400 days
            assertThat(later.dropped()).isEmpty();
            assertThat(later.created()).containsExactly("audit_events_p202703", "audit_events_p202704", "audit_events_p202705");
            assertThat(sql.keep(connection, audit, Duration.ofDays(400), Instant.parse("2027-03-10T00:00:00Z")).dropped())
                    .containsExactly("audit_events_p202601");
        }
    }
}
