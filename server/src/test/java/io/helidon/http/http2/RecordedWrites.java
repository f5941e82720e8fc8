package io.helidon.http.http2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

/** A connection's data writer for tests: keeps the bytes of each buffer handed to it, and reads them back as frames. */
public final class RecordedWrites implements DataWriter {

    /** Each buffer written, in order. */
    public final List<byte[]> buffers = new CopyOnWriteArrayList<>();

    /** One HTTP/2 frame as written: its type, flags and payload. */
    public record Frame(int type, int flags, byte[] payload) {
    }

    /** Every frame of every buffer, in order. */
    public List<Frame> frames() {
        List<Frame> frames = new ArrayList<>();
        for (byte[] bytes : buffers) {
            for (int at = 0; at < bytes.length; ) {
                int length = ((bytes[at] & 0xff) << 16) | ((bytes[at + 1] & 0xff) << 8) | (bytes[at + 2] & 0xff);
                byte[] payload = new byte[length];
                System.arraycopy(bytes, at + 9, payload, 0, length);
                frames.add(new Frame(bytes[at + 3] & 0xff, bytes[at + 4] & 0xff, payload));
                at += 9 + length;
            }
        }
        return frames;
    }

    @Override
    public void writeNow(BufferData buffer) {
        byte[] bytes = new byte[buffer.available()];
        buffer.read(bytes);
        buffers.add(bytes);
    }

    @Override
    public void writeNow(BufferData... buffers) {
        writeNow(BufferData.create(buffers));
    }

    @Override
    public void write(BufferData buffer) {
        writeNow(buffer);
    }

    @Override
    public void write(BufferData... buffers) {
        writeNow(buffers);
    }
}
