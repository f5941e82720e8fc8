package com.finehero.server.platform.security;

import java.lang.System.Logger.Level;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Times;

/**
 * The audit trail of state-changing calls, in the database. Calls do not wait for it: events are
 * queued and written in batches by one background thread; a reader calls {@link #flush()} first so it
 * sees everything this instance recorded. If the database falls behind by more than the queue holds,
 * events are dropped and counted rather than slowing every call down.
 */
public final class AuditLog implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    private static final String INSERT = "INSERT INTO audit_events (event_time, principal_id, principal_name, credential, "
            + "method, resource, peer, protocol, outcome, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** One recorded call. Holds no secrets: ids and names only. */
    public record Event(long id, Instant time, String principalId, String principalName, String credential,
                        String method, String resource, String peer, String protocol, String outcome, String requestId) { }

    /** A page of events, newest first. */
    public record Query(String principalId, String method, long beforeId, int limit) { }

    private final Database db;
    private final Clock clock;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(10_000);
    private final ReentrantLock writing = new ReentrantLock(true);
    private final AtomicLong dropped = new AtomicLong();
    /** Events accepted into the queue, and events since written (or lost to a failed write). */
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    public AuditLog(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.writer = Thread.ofVirtual().name("finehero-audit").start(this::writeUntilClosed);
    }

    public void record(String principalId, String principalName, String credential, String method, String resource,
                       String peer, String protocol, String outcome, String requestId) {
        Event event = new Event(0, clock.instant(), cut(principalId, 36), cut(principalName, 64), credential,
                cut(method, 200), cut(resource, 200), cut(peer, 100), protocol, outcome, cut(requestId, 100));
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

    /** Writes every event recorded so far, including a batch the background thread is writing now. */
    public void flush() {
        long target = accepted.get();
        writing.lock();
        try {
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

    public List<Event> list(Query query) {
        flush();
        StringBuilder sql = new StringBuilder("SELECT id, event_time, principal_id, principal_name, credential, method, resource, "
                + "peer, protocol, outcome, request_id FROM audit_events WHERE id < ?");
        List<Object> args = new ArrayList<>(List.of(query.beforeId()));
        if (!query.principalId().isEmpty()) {
            sql.append(" AND principal_id = ?");
            args.add(query.principalId());
        }
        if (!query.method().isEmpty()) {
            sql.append(query.method().contains("/") ? " AND method = ?" : " AND method LIKE ?");
            args.add(query.method().contains("/") ? query.method() : "%/" + query.method().replace("%", "").replace("_", "\\_"));
        }
        sql.append(" ORDER BY id DESC LIMIT ").append(query.limit());
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    select.setObject(i + 1, args.get(i));
                }
                List<Event> events = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        events.add(new Event(rows.getLong(1), rows.getObject(2, java.time.OffsetDateTime.class).toInstant(),
                                rows.getString(3), rows.getString(4), rows.getString(5), rows.getString(6), rows.getString(7),
                                rows.getString(8), rows.getString(9), rows.getString(10), rows.getString(11)));
                    }
                }
                return events;
            }
        });
    }

    private void writeUntilClosed() {
        while (!closed) {
            try {
                Event first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                writing.lock();
                try {
                    List<Event> batch = new ArrayList<>(List.of(first));
                    queue.drainTo(batch, 499);
                    writeAndSettle(batch);
                } finally {
                    writing.unlock();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "writing audit events failed; they are lost", e);
            }
        }
    }

    private void writeAndSettle(List<Event> batch) {
        try {
            write(batch);
        } finally {
            settled.addAndGet(batch.size());
        }
    }

    private void write(List<Event> batch) {
        db.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                for (Event e : batch) {
                    insert.setObject(1, Times.toSql(e.time()));
                    insert.setString(2, e.principalId());
                    insert.setString(3, e.principalName());
                    insert.setString(4, e.credential());
                    insert.setString(5, e.method());
                    insert.setString(6, e.resource());
                    insert.setString(7, e.peer());
                    insert.setString(8, e.protocol());
                    insert.setString(9, e.outcome());
                    insert.setString(10, e.requestId());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return null;
        });
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
        }
    }
}
