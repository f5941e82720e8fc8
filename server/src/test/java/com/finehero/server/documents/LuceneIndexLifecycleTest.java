package com.finehero.server.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.google.protobuf.Timestamp;
import io.grpc.Context;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded index beside a file database: opened by the first search or write, kept in step by the
 * store's writes, brought in step when opened after writes reached the database without it (a crash
 * after a commit, or writes before the first open) or when it is gone.
 */
class LuceneIndexLifecycleTest {

    @TempDir
    Path dir;
    private Database db;
    private Path index;

    @BeforeEach
    void open() {
        db = Database.open(new DbConfig("jdbc:h2:" + dir.resolve("finehero") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                "sa", "", "", 0, 4, Duration.ofSeconds(5), Duration.ofSeconds(1), new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1))));
        assertThat(db.embeddedFiles()).contains(dir.resolve("finehero"));
        index = dir.resolve("finehero.search");
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void writesReachTheIndexAndStartUpCatchesUpWithWhatDidNot() throws Exception {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        String hydrant;
        String tow;
        try (LuceneSearch search = LuceneSearch.open(db, reads, index)) {
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            hydrant = store.create(document("Fire hydrant clearance", "Do not park within fifteen feet of a fire hydrant.")).getId();
            tow = store.create(document("Tow-away zones", "Vehicles parked in a tow-away zone are towed.")).getId();
            assertThat(ids(search, "hydrant")).containsExactly(hydrant);
            store.change(tow, Audience.EVERY_OWNER, d -> d.toBuilder().setContent("Vehicles in a tow-away zone near a hydrant are towed.")
                    .setVersion(d.getVersion() + 1).build());
            assertThat(ids(search, "hydrant")).containsExactlyInAnyOrder(hydrant, tow);
            store.delete(hydrant, java.time.Instant.now());
            assertThat(ids(search, "hydrant")).containsExactly(tow);
            store.restore(hydrant);
            assertThat(ids(search, "hydrant")).containsExactlyInAnyOrder(hydrant, tow);
        }
        assertThat(index).isDirectory();

        // writes the index never heard of, as after a crash between the database's commit and the index's
        JdbcDocumentStore blind = new JdbcDocumentStore(db, reads, (query, filter, offset, limit) -> null);
        String school = blind.create(document("School zones", "Speed cameras near a school enforce the hydrant rule too.")).getId();
        blind.delete(tow, java.time.Instant.now());
        try (LuceneSearch search = LuceneSearch.open(db, reads, index)) {
            assertThat(ids(search, "hydrant")).containsExactlyInAnyOrder(hydrant, school);
        }

        // no index at all: rebuilt from the live documents
        try (Stream<Path> files = Files.walk(index)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        try (LuceneSearch search = LuceneSearch.open(db, reads, index)) {
            assertThat(ids(search, "hydrant")).containsExactlyInAnyOrder(hydrant, school);
            assertThat(ids(search, "tow*")).isEmpty();
        }
    }

    @Test
    void aWriteIsVisibleToSearchesBeforeItsCallReturnsSoNoSearchReopensTheIndex() throws Exception {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        try (LuceneSearch search = LuceneSearch.open(db, reads, null)) {
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            assertThat(search.visibleDocuments()).isZero();
            String meter = store.create(document("Meter hours", "Meters run from 8 to 6.")).getId();
            // no search ran in between: the writer refreshed the searcher itself
            assertThat(search.visibleDocuments()).isEqualTo(1);
            store.create(document("Permit zones", "Residents display a permit."));
            assertThat(search.visibleDocuments()).isEqualTo(2);
            store.delete(meter, java.time.Instant.now());
            assertThat(search.visibleDocuments()).isEqualTo(1);
        }
    }

    @Test
    void documentReindexRewritesTheIndexEntriesOfTheDocumentsItIsGiven() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        try (LuceneSearch search = LuceneSearch.open(db, reads, null)) {
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            String id = store.create(document("Curb colours", "Red curbs mean no stopping.")).getId();
            JdbcDocumentStore blind = new JdbcDocumentStore(db, reads, (query, filter, offset, limit) -> null);
            blind.change(id, Audience.EVERY_OWNER, d -> d.toBuilder().setContent("Blue curbs are for disabled placards.")
                    .setVersion(d.getVersion() + 1).build());
            assertThat(ids(search, "placard*")).isEmpty();

            assertThat(store.reindex(List.of(id))).isEqualTo(1);
            assertThat(ids(search, "placard*")).containsExactly(id);
            assertThat(ids(search, "red")).isEmpty();
        }
    }

    @Test
    void theServerOpensTheIndexOnItsFirstSearchOrWriteAndItCatchesUpThen() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        String before = new JdbcDocumentStore(db, reads, (query, filter, offset, limit) -> null)
                .create(document("Fire hydrant clearance", "Do not park near a hydrant.")).getId();
        try (LuceneOnFirstUse search = new LuceneOnFirstUse(() -> LuceneSearch.open(db, reads, index))) {
            assertThat(search.isOpen()).isFalse();
            assertThat(index).doesNotExist();
            // a write opens it: the open catches up with what was written before, then the write is applied
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            String after = store.create(document("Hydrant colours", "A blue hydrant cap marks a high-flow hydrant.")).getId();
            assertThat(search.isOpen()).isTrue();
            assertThat(index).isDirectory();
            assertThat(ids(search, "hydrant")).containsExactlyInAnyOrder(before, after);
        }
        try (LuceneOnFirstUse search = new LuceneOnFirstUse(() -> LuceneSearch.open(db, reads, index))) {
            assertThat(ids(search, "hydrant")).hasSize(2);
            assertThat(search.isOpen()).isTrue();
        }
    }

    @Test
    void aWriteThatCommitsWhileTheFirstOpenIsUnderWayReachesTheIndex() throws Exception {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        CountDownLatch caughtUp = new CountDownLatch(1);
        CountDownLatch writeWaiting = new CountDownLatch(1);
        try (LuceneOnFirstUse search = new LuceneOnFirstUse(() -> {
            LuceneSearch opened = LuceneSearch.open(db, reads, null);
            caughtUp.countDown();
            await(writeWaiting);
            return opened;
        })) {
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<List<String>> firstSearch = threads.submit(() -> ids(search, "meter*"));
                await(caughtUp);
                // committed after the open read the live documents, before the open is done
                Future<String> written = threads.submit(() -> store.create(document("Meter hours", "Meters run from 8 to 6.")).getId());
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!search.hasWaitingUses() && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                assertThat(search.hasWaitingUses()).as("the write waits for the open").isTrue();
                writeWaiting.countDown();
                firstSearch.get(10, TimeUnit.SECONDS);
                String meter = written.get(10, TimeUnit.SECONDS);
                assertThat(ids(search, "meter*")).containsExactly(meter);
            }
        }
    }

    @Test
    void anOpenThatFailsFailsThatSearchLosesNoWriteAndIsTriedAgain() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        AtomicInteger opens = new AtomicInteger();
        try (LuceneOnFirstUse search = new LuceneOnFirstUse(() -> {
            if (opens.incrementAndGet() <= 2) {
                throw new UncheckedIOException("the search index could not be opened", new IOException("disk unreadable"));
            }
            return LuceneSearch.open(db, reads, null);
        })) {
            JdbcDocumentStore blind = new JdbcDocumentStore(db, reads, (query, filter, offset, limit) -> null);
            Document created = blind.create(document("Permit zones", "Residents display a permit."));
            String permit = created.getId();
            // told of the committed write directly: the failed open must not reach the writer
            assertThatCode(() -> search.written(created)).doesNotThrowAnyException();
            assertThatThrownBy(() -> ids(search, "permit")).isInstanceOf(UncheckedIOException.class).hasMessageContaining("could not be opened");
            assertThat(search.isOpen()).isFalse();
            assertThat(ids(search, "permit")).containsExactly(permit);
            assertThat(opens).hasValue(3);
        }
    }

    @Test
    void theOpenDoesNotRunUnderTheDeadlineOfTheCallThatNeedsItFirst() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        try (LuceneOnFirstUse search = new LuceneOnFirstUse(() -> LuceneSearch.open(db, reads, null))) {
            Context.CancellableContext gone = Context.current().withCancellation();
            gone.cancel(null);
            // no hit, so the search itself reads nothing; the open's catch-up would have failed under the gone call
            gone.run(() -> assertThat(ids(search, "permit")).isEmpty());
            assertThat(search.isOpen()).isTrue();
        }
    }

    @Test
    void aWriteToldLateDoesNotPutAnOlderVersionBack() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        try (LuceneSearch search = LuceneSearch.open(db, reads, null)) {
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            Document first = store.create(document("Curb colours", "Red curbs mean no stopping."));
            store.change(first.getId(), Audience.EVERY_OWNER, d -> d.toBuilder().setContent("Blue curbs are for disabled placards.")
                    .setVersion(d.getVersion() + 1).build());
            // as when a write of the first version waited behind an open whose catch-up indexed the second
            search.written(first);
            assertThat(ids(search, "red")).isEmpty();
            assertThat(ids(search, "placard*")).containsExactly(first.getId());
            search.writtenAll(List.of(first));
            assertThat(ids(search, "placard*")).containsExactly(first.getId());
        }
    }

    @Test
    void changesToldInAnotherOrderThanTheirCommitsLeaveTheIndexAsTheDatabaseIs() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        try (LuceneSearch search = LuceneSearch.open(db, reads, null)) {
            JdbcDocumentStore store = new JdbcDocumentStore(db, reads, search);
            // writes that tell no index: the test tells it, in the order two writers' threads might
            JdbcDocumentStore untold = new JdbcDocumentStore(db, reads, (query, filter, offset, limit) -> null);
            String id = store.create(document("Fire hydrant clearance", "Do not park within fifteen feet of a fire hydrant.")).getId();

            // a delete and the restore that followed it, the restore told first
            untold.delete(id, java.time.Instant.now());
            Document restored = untold.restore(id);
            search.written(restored);
            search.deleted(id);
            assertThat(ids(search, "hydrant")).containsExactly(id);

            // an update, then a delete, the update told last
            Document changed = untold.change(id, Audience.EVERY_OWNER, d -> d.toBuilder()
                    .setContent("Blue curbs are for disabled placards.").setVersion(d.getVersion() + 1).build());
            untold.delete(id, java.time.Instant.now());
            search.deleted(id);
            search.written(changed);
            assertThat(ids(search, "placard*")).isEmpty();
            assertThat(ids(search, "hydrant")).isEmpty();

            // a reindex of a document deleted since it was read
            search.writtenAll(List.of(changed));
            assertThat(ids(search, "placard*")).isEmpty();

            // restored: the restore's own change indexes the live version
            search.written(untold.restore(id));
            assertThat(ids(search, "placard*")).containsExactly(id);
        }
    }

    @Test
    void aChangeIsAppliedAsToldWhenTheDatabaseCannotSayWhatIsLive() throws Exception {
        Database lone = Database.open(new DbConfig("jdbc:h2:mem:lone-" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                "sa", "", "", 0, 4, Duration.ofSeconds(5), Duration.ofSeconds(1), new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1))));
        try (LuceneSearch search = LuceneSearch.open(lone, new BoundedReads(lone, Duration.ofSeconds(5)), null)) {
            lone.close();
            Document meter = document("Meter hours", "Meters run from 8 to 6.");
            search.written(meter);
            assertThat(search.visibleDocuments()).as("indexed although the database could not be read").isEqualTo(1);
            search.deleted(meter.getId());
            assertThat(search.visibleDocuments()).isZero();
        }
    }

    @Test
    void noSearchOpensTheIndexOnceItIsClosed() {
        BoundedReads reads = new BoundedReads(db, Duration.ofSeconds(5));
        LuceneOnFirstUse never = new LuceneOnFirstUse(() -> LuceneSearch.open(db, reads, null));
        never.close();
        assertThatThrownBy(() -> ids(never, "permit")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(never.isOpen()).isFalse();

        LuceneOnFirstUse opened = new LuceneOnFirstUse(() -> LuceneSearch.open(db, reads, null));
        assertThat(ids(opened, "permit")).isEmpty();
        opened.close();
        assertThatThrownBy(() -> ids(opened, "permit")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> ids(DocumentSearch search, String query) {
        return search.search(SearchQuery.parse(query), new DocumentStore.Filter(DocumentKind.DOCUMENT_KIND_UNSPECIFIED, "", List.of(),
                Audience.EVERY_OWNER), 0, 10).hits().stream().map(hit -> hit.document().getId()).toList();
    }

    private static Document document(String title, String content) {
        Timestamp now = Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000).build();
        return Document.newBuilder().setId(UUID.randomUUID().toString()).setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                .setJurisdiction("US-CA").setContent(content).setContentType("text/plain").setSizeBytes(content.length())
                .setChecksumSha256("0".repeat(64)).setVersion(1).setAuthor("test").setCreateTime(now).setUpdateTime(now)
                .setOwner("system").setVisibility(Visibility.VISIBILITY_PUBLIC).build();
    }
}
