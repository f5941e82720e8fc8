package com.finehero.server.platform.security;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.server.platform.config.ConfigValues;
import com.finehero.server.platform.security.AuditStore.Event;
import io.helidon.config.Config;

/**
 * The audit trail of state-changing calls, kept by an {@link AuditStore}. Calls do not wait for it:
 * events are queued and written in batches by one background thread; a reader calls {@link #flush()}
 * first so it sees everything this instance recorded. A batch the store cannot take (the database is
 * down) goes to a local {@link AuditSpool} file, forced to disk, and is written to the store once it
 * answers again, also after a restart. While that file is nearly full, {@link #admits()} is false and
 * state-changing calls are refused rather than left unrecorded. If the store falls behind by more than
 * the queue holds, events are dropped and counted rather than slowing every call down.
 */
public final class AuditLog implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    /** How often a store that failed is tried again while events wait in the spool. */
    private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    /**
     * Where audit events wait while the database is down ({@code finehero.security.audit.*}).
     *
     * @param spoolDirectory  the spool files' directory; each instance keeps its own file there
     * @param spoolMaxBytes   the most one spool file holds ({@code spool-max-megabytes}); near it, state-changing calls are refused
     */
    public record Spooling(Path spoolDirectory, long spoolMaxBytes) {
        public Spooling {
            Objects.requireNonNull(spoolDirectory, "spoolDirectory");
            if (spoolMaxBytes < 64 * 1024) {
                throw new IllegalArgumentException("spoolMaxBytes: " + spoolMaxBytes + " (expected: >= 65536)");
            }
        }

        /**
         * An empty directory means one under {@code finehero-audit-spool} in the system temp directory named
         * after {@code database} (its URL and schema), so that a spool is only ever replayed into the
         * database its events were meant for.
         */
        public static Spooling from(Config audit, String database) {
            String directory = ConfigValues.string(audit, "spool-directory");
            return new Spooling(directory.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "finehero-audit-spool",
                    UUID.nameUUIDFromBytes(database.getBytes(StandardCharsets.UTF_8)).toString()) : Path.of(directory),
                    ConfigValues.intInRange(audit, "spool-max-megabytes", 1, 1_000_000) * 1024L * 1024L);
        }
    }

    private final AuditStore store;
    private final AuditSpool spool;
    /** The store failed and has not answered since: batches go to the spool until a replay succeeds. */
    private volatile boolean storeDown;
    private long nextReplay = System.nanoTime();
    private final Clock clock;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(10_000);
    private final ReentrantLock writing = new ReentrantLock(true);
    private final AtomicLong dropped = new AtomicLong();
    /** Events accepted into the queue, and events since written (or lost to a failed write). */
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    public AuditLog(AuditStore store, Spooling spooling, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.spool = AuditSpool.open(spooling.spoolDirectory(), spooling.spoolMaxBytes());
        if (!spool.isEmpty()) {
            LOG.log(Level.INFO, "audit spool " + spool.file() + " holds events from an earlier run; they are written once the database answers");
        }
        this.writer = Thread.ofVirtual().name("finehero-audit").start(this::writeUntilClosed);
    }

    public void record(String principalId, String principalName, String credential, String method, String resource,
                       String peer, String protocol, String outcome, String requestId) {
        enqueue(event(0, principalId, principalName, credential, method, resource, peer, protocol, outcome, requestId));
    }

    /**
     * Adds an event inside the transaction of the change it records, on that change's {@code connection}
     * (see {@code Database.CommitParticipant}): it commits with the change or not at all. Returns its id.
     */
    long recordIn(Connection connection, String principalId, String principalName, String credential, String method,
                  String resource, String peer, String protocol, String outcome, String requestId) throws SQLException {
        return store.insert(connection, event(0, principalId, principalName, credential, method, resource, peer, protocol,
                outcome, requestId));
    }

    /**
     * Corrects the resource and outcome of an event {@link #recordIn recorded in a transaction} once its
     * call has ended: a create learns its id only from its answer, and a call can still fail after its
     * change committed. Best effort: the event itself is already durable, so a correction that meets a
     * database outage is not spooled.
     */
    void amend(long id, String resource, String outcome) {
        enqueue(new Event(id, clock.instant(), "", "", "", "", cut(resource, 200), "", "", outcome, ""));
    }

    private Event event(long id, String principalId, String principalName, String credential, String method, String resource,
                        String peer, String protocol, String outcome, String requestId) {
        return new Event(id, clock.instant(), cut(principalId, 36), cut(principalName, 64), credential,
                cut(method, 200), cut(resource, 200), cut(peer, 100), protocol, outcome, cut(requestId, 100));
    }

    private void enqueue(Event event) {
        if (queue.offer(event)) {
            accepted.incrementAndGet();
        } else {
            long lost = dropped.incrementAndGet();
            if (lost == 1 || lost % 1000 == 0) {
                LOG.log(Level.ERROR, "audit queue full: " + lost + " events dropped so far");
            }
        }
    }

    public long dropped() {
        return dropped.get();
    }

    /** False while the spool is nearly full: a state-changing call now might not be recorded. */
    public boolean admits() {
        return !spool.full();
    }

    /** Events waiting in the spool file for the database, in bytes. */
    public long spooledBytes() {
        return spool.bytes();
    }

    /** Writes every event recorded so far, including a batch the background thread is writing now. */
    public void flush() {
        long target = accepted.get();
        writing.lock();
        try {
            replay(true);
            List<Event> batch = new ArrayList<>();
            while (queue.drainTo(batch, 500) > 0) {
                writeAndSettle(batch);
                batch.clear();
            }
        } finally {
            writing.unlock();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (settled.get() < target && System.nanoTime() < deadline) {
            writing.lock(); // the writer holds it while it writes the batch it took
            writing.unlock();
            Thread.onSpinWait();
        }
    }

    /** Events of {@code query}, including every one this instance recorded before the call. */
    public List<Event> list(AuditStore.Query query) {
        flush();
        return store.list(query);
    }

    private void writeUntilClosed() {
        while (!closed) {
            try {
                Event first = queue.poll(200, TimeUnit.MILLISECONDS);
                writing.lock();
                try {
                    replay(false);
                    if (first == null) {
                        continue;
                    }
                    List<Event> batch = new ArrayList<>(List.of(first));
                    queue.drainTo(batch, 499);
                    writeAndSettle(batch);
                } finally {
                    writing.unlock();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "audit writer failed", e);
            }
        }
    }

    private void writeAndSettle(List<Event> batch) {
        try {
            if (!storeDown) {
                try {
                    store.write(batch);
                    return;
                } catch (RuntimeException | AssertionError e) { // with -ea, pgjdbc asserts on a connection lost mid-batch
                    storeDown = true;
                    nextReplay = System.nanoTime() + RETRY_NANOS;
                    LOG.log(Level.WARNING, "audit store unavailable, events go to " + spool.file() + " until it answers: " + e);
                }
            }
            spool(batch);
        } finally {
            settled.addAndGet(batch.size());
        }
    }

    private void spool(List<Event> batch) {
        List<Event> events = batch.stream().filter(e -> e.id() == 0).toList(); // corrections are best effort (see amend)
        if (events.isEmpty()) {
            return;
        }
        try {
            if (spool.append(events)) {
                return;
            }
            LOG.log(Level.ERROR, "audit spool " + spool.file() + " is full: " + events.size() + " events lost");
        } catch (IOException e) {
            LOG.log(Level.ERROR, "writing the audit spool " + spool.file() + " failed: " + events.size() + " events lost", e);
        }
        dropped.addAndGet(events.size());
    }

    /**
     * Writes the spooled events to the store in one transaction, then empties the spool; at most once a
     * second unless {@code now}. A crash between the two writes them twice, never loses them.
     */
    private void replay(boolean now) {
        if (!storeDown && spool.isEmpty() || !now && System.nanoTime() - nextReplay < 0) {
            return;
        }
        try {
            List<Event> events = spool.readAll();
            if (!events.isEmpty()) {
                store.write(events);
                spool.clear();
                LOG.log(Level.INFO, "audit store answers again: " + events.size() + " spooled events written");
            }
            storeDown = false;
        } catch (RuntimeException | AssertionError | IOException e) {
            storeDown = true;
            nextReplay = System.nanoTime() + RETRY_NANOS;
        }
    }

    private static String cut(String value, int max) {
        return value == null ? "" : value.length() <= max ? value : value.substring(0, max);
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(2000);
            flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "audit events still queued at shutdown were lost: " + e);
        } finally {
            try {
                spool.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing the audit spool failed: " + e);
            }
        }
    }
}
