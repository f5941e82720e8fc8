package com.finehero.server.platform.security;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.server.platform.security.AuditStore.Event;

/**
 * The audit trail of state-changing calls, kept by an {@link AuditStore}. Calls do not wait for it:
 * events are queued and written in batches by one background thread; a reader calls {@link #flush()}
 * first so it sees everything this instance recorded. If the store falls behind by more than the queue
 * holds, events are dropped and counted rather than slowing every call down.
 */
public final class AuditLog implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());

    private final AuditStore store;
    private final Clock clock;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(10_000);
    private final ReentrantLock writing = new ReentrantLock(true);
    private final AtomicLong dropped = new AtomicLong();
    /** Events accepted into the queue, and events since written (or lost to a failed write). */
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    public AuditLog(AuditStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
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

    /** Events of {@code query}, including every one this instance recorded before the call. */
    public List<Event> list(AuditStore.Query query) {
        flush();
        return store.list(query);
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
            store.write(batch);
        } finally {
            settled.addAndGet(batch.size());
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
        }
    }
}
