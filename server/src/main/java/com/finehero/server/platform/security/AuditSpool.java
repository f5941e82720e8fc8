package com.finehero.server.platform.security;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;

import com.finehero.server.platform.security.AuditStore.Event;

/**
 * A bounded append-only file holding audit events the store could not take, until it can. Each batch
 * is one frame (length, CRC-32, events) forced to disk before {@link #append} returns, so a batch is
 * either wholly readable after a crash or, torn mid-write, dropped with everything after it. Each
 * instance holds a lock on its own file ({@code audit-N.spool}, the lowest N free), so instances may
 * share a directory, and one that starts after a crash takes over and replays the file left behind.
 */
final class AuditSpool implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final long maxBytes;

    private AuditSpool(Path file, FileChannel channel, FileLock lock, long maxBytes) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.maxBytes = maxBytes;
    }

    /** Claims the first spool file in {@code directory} no other live instance holds. */
    static AuditSpool open(Path directory, long maxBytes) {
        Objects.requireNonNull(directory, "directory");
        try {
            Files.createDirectories(directory);
            for (int n = 0; n < 1000; n++) {
                Path file = directory.resolve("audit-" + n + ".spool");
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = null;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException heldInThisProcess) {
                    // another instance in this JVM owns it
                }
                if (lock != null) {
                    channel.position(validLength(channel));
                    channel.truncate(channel.position()); // a torn frame from a crash
                    return new AuditSpool(file, channel, lock, maxBytes);
                }
                channel.close();
            }
            throw new IllegalStateException("no free audit spool file in " + directory + " (expected: fewer than 1000 instances)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit spool in " + directory, e);
        }
    }

    Path file() {
        return file;
    }

    long bytes() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isEmpty() {
        return bytes() == 0;
    }

    /**
     * Nearly full: less than a tenth of the limit left. Calls are refused from here on, so that the events
     * of calls already under way still fit.
     */
    boolean full() {
        return bytes() > maxBytes - maxBytes / 10;
    }

    /** Appends and forces one batch; false, writing nothing, if it would take the file over its limit. */
    synchronized boolean append(List<Event> batch) throws IOException {
        byte[] payload = encode(batch);
        if (channel.size() + payload.length + 8 > maxBytes) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer frame = ByteBuffer.allocate(8 + payload.length);
        frame.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        long start = channel.size();
        channel.position(start);
        try {
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
            channel.force(false);
        } catch (IOException e) {
            channel.truncate(start);
            throw e;
        }
        return true;
    }

    /** Every event spooled, oldest first. */
    synchronized List<Event> readAll() throws IOException {
        List<Event> events = new ArrayList<>();
        forEachFrame(channel, payload -> events.addAll(decode(payload)));
        return events;
    }

    /** Empties the file once its events are in the store. */
    synchronized void clear() throws IOException {
        channel.truncate(0);
        channel.position(0);
        channel.force(true);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    private interface FrameSink {
        void accept(byte[] payload) throws IOException;
    }

    /** Reads whole, checksummed frames from the start; returns where the last good one ends. */
    private static long forEachFrame(FileChannel channel, FrameSink sink) throws IOException {
        long position = 0;
        long size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(8);
        while (position + 8 <= size) {
            header.clear();
            channel.read(header, position);
            header.flip();
            int length = header.getInt();
            int expected = header.getInt();
            if (length < 0 || position + 8 + length > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            while (payload.hasRemaining() && channel.read(payload, position + 8 + payload.position()) > 0) {
                // reads until full
            }
            CRC32 crc = new CRC32();
            crc.update(payload.array());
            if ((int) crc.getValue() != expected) {
                break;
            }
            sink.accept(payload.array());
            position += 8 + length;
        }
        return position;
    }

    private static long validLength(FileChannel channel) throws IOException {
        return forEachFrame(channel, payload -> { });
    }

    private static byte[] encode(List<Event> batch) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(batch.size());
            for (Event e : batch) {
                out.writeLong(e.time().getEpochSecond());
                out.writeInt(e.time().getNano());
                for (String value : new String[] {e.principalId(), e.principalName(), e.credential(), e.method(), e.resource(),
                        e.peer(), e.protocol(), e.outcome(), e.requestId()}) {
                    out.writeUTF(value == null ? "" : value);
                }
            }
        }
        return bytes.toByteArray();
    }

    private static List<Event> decode(byte[] payload) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload))) {
            int count = in.readInt();
            List<Event> events = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Instant time = Instant.ofEpochSecond(in.readLong(), in.readInt());
                events.add(new Event(0, time, in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(),
                        in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF()));
            }
            return events;
        }
    }
}
