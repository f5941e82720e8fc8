package com.finehero.server.platform.rpc;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.SocketWriterException;

/**
 * An HTTP/2 connection's socket writes, gathered: frames are queued in the order they are handed over
 * and one flusher writes whatever has queued up with a single socket write, so the frames that a
 * connection's streams produce while a write is under way go out together in the next one.
 *
 * <p>Helidon 4.5 writes every HTTP/2 frame with its own system call while holding the connection's
 * writer lock: a unary gRPC call costs three (headers, message, trailers), and every other stream of the
 * connection waits for each. Here a frame is queued under that lock and the system call happens outside
 * it, on a flusher that runs while there is anything to write and ends when the queue is empty. Frames
 * keep their order (Helidon encodes headers with the connection's HPACK table under its lock, so the
 * order they are queued in is the order the client must decode them in).
 *
 * <p>A write returns once its frame is queued, not once it is on the socket. At most {@code maxQueuedBytes}
 * wait at a time: a writer past that waits until the flusher has taken the queue (a client that stops
 * reading holds its connection's writers, not the server's memory). Once a socket write fails, every
 * later write fails with {@link SocketWriterException}, as a direct write to a broken socket would.
 */
final class CoalescingWriter implements DataWriter {

    private final DataWriter socket;
    private final Executor flushers;
    private final long maxQueuedBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the flusher takes the queue, and when it stops. */
    private final Condition taken = lock.newCondition();

    private List<BufferData> queued = new ArrayList<>();
    private List<BufferData> writing = new ArrayList<>();
    private long queuedBytes;
    /** A flusher has been started and has not yet found the queue empty. */
    private boolean flushing;
    private RuntimeException failure;

    /**
     * @param socket         the connection's own writer, which writes to the socket at once
     * @param flushers       runs a flusher (the connection's executor: a virtual thread each)
     * @param maxQueuedBytes bytes queued beyond which a writer waits for the flusher
     */
    CoalescingWriter(DataWriter socket, Executor flushers, long maxQueuedBytes) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.flushers = Objects.requireNonNull(flushers, "flushers");
        if (maxQueuedBytes < 1) {
            throw new IllegalArgumentException("maxQueuedBytes: " + maxQueuedBytes + " (expected: > 0)");
        }
        this.maxQueuedBytes = maxQueuedBytes;
    }

    @Override
    public void write(BufferData... buffers) {
        for (BufferData buffer : buffers) {
            write(buffer);
        }
    }

    @Override
    public void write(BufferData buffer) {
        Objects.requireNonNull(buffer, "buffer");
        boolean start;
        lock.lock();
        try {
            while (failure == null && queuedBytes >= maxQueuedBytes) {
                awaitTaken();
            }
            if (failure != null) {
                throw new SocketWriterException(failure);
            }
            queued.add(buffer);
            queuedBytes += buffer.available();
            start = !flushing;
            flushing = true;
        } finally {
            lock.unlock();
        }
        if (start) {
            startFlusher();
        }
    }

    @Override
    public void writeNow(BufferData... buffers) {
        write(buffers);
    }

    @Override
    public void writeNow(BufferData buffer) {
        write(buffer);
    }

    /** Waits until everything queued before this call has been written, or the socket has failed. */
    @Override
    public void flush() {
        lock.lock();
        try {
            while (flushing) {
                awaitTaken();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits at most {@code wait} for what is queued to be written; used when the connection ends, so that
     * its last frames (a GOAWAY) still go out before Helidon closes the socket.
     *
     * @return whether the queue was written in time
     */
    boolean drain(Duration wait) {
        long nanos = wait.toNanos();
        lock.lock();
        try {
            while (flushing && nanos > 0) {
                try {
                    nanos = taken.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return !flushing;
        } finally {
            lock.unlock();
        }
    }

    /** As a blocked socket write would, an interrupted wait gives up and leaves the thread interrupted. */
    private void awaitTaken() {
        try {
            taken.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketWriterException(new InterruptedIOException("interrupted while waiting to write"));
        }
    }

    private void startFlusher() {
        try {
            flushers.execute(this::flush0);
        } catch (RuntimeException e) { // the executor is shut down: the server is stopping
            fail(e);
            throw new SocketWriterException(e);
        }
    }

    /** The flusher: writes the queue as one batch at a time until it finds it empty. */
    private void flush0() {
        while (true) {
            List<BufferData> batch;
            lock.lock();
            try {
                if (queued.isEmpty() || failure != null) {
                    flushing = false;
                    taken.signalAll();
                    return;
                }
                batch = queued;
                queued = writing; // the batch before, written and cleared
                writing = batch;
                queuedBytes = 0;
                taken.signalAll();
            } finally {
                lock.unlock();
            }
            try {
                socket.writeNow(BufferData.create(batch));
            } catch (RuntimeException e) {
                fail(e);
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void fail(RuntimeException e) {
        lock.lock();
        try {
            if (failure == null) {
                failure = e;
            }
            queued.clear();
            queuedBytes = 0;
            flushing = false;
            taken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes waiting for the flusher (for tests). */
    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }
}
