package io.helidon.http.http2;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FineHero's patched connection writer writes a unary answer whole: one acquisition of its lock for the
 * three frames, one buffer to the data writer, and the stream's and connection's windows checked and taken
 * under that lock (docs/decisions/2026-12-06-a-unary-answer-written-whole.md).
 */
class WholeAnswerTest {

    private static final int HEADERS = 0x1;
    private static final int DATA = 0x0;

    @Test
    void aWholeAnswerTakesTheLockOnceAndIsHandedOverAsOneBuffer() {
        CountingLock lock = new CountingLock();
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of(), lock);

        int written = writer.writeAnswer(headers(), message(100), headers(), 1, new OutboundWindow(1000));

        assertThat(lock.acquisitions).isEqualTo(1);
        assertThat(socket.buffers).hasSize(1);
        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type).containsExactly(HEADERS, DATA, HEADERS);
        assertThat(written).isEqualTo(socket.buffers.getFirst().length);
    }

    @Test
    void theSamePartsWrittenOneByOneTakeTheLockThreeTimes() {
        CountingLock lock = new CountingLock();
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of(), lock);
        OutboundWindow window = new OutboundWindow(1000);

        writer.writeHeaders(headers(), 1, Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS), window);
        writer.writeData(message(100), window);
        writer.writeHeaders(headers(), 1, Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS | Http2Flag.END_OF_STREAM), window);

        assertThat(lock.acquisitions).as("what a whole answer saves").isEqualTo(3);
        assertThat(socket.buffers).hasSize(3);
    }

    @Test
    void aMessageLargerThanTheWindowIsNotWrittenWholeAndOneThatFitsTakesItsRoom() {
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());

        assertThat(writer.writeAnswer(headers(), message(100), headers(), 1, new OutboundWindow(99))).isEqualTo(-1);
        assertThat(socket.buffers).as("nothing written when the message does not fit").isEmpty();
        OutboundWindow window = new OutboundWindow(100);
        assertThat(writer.writeAnswer(headers(), message(100), headers(), 1, window)).isPositive();
        assertThat(window.taken).isEqualTo(100);
        assertThat(writer.writeAnswer(headers(), message(1), headers(), 1, window))
                .as("the room taken is gone for the next answer").isEqualTo(-1);
    }

    @Test
    void aMessageLargerThanAFrameIsNotWrittenWhole() {
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());

        assertThat(writer.writeAnswer(headers(), message(16_385), headers(), 1, new OutboundWindow(1 << 20))).isEqualTo(-1);
        assertThat(socket.buffers).isEmpty();
    }

    private static Http2Headers headers() {
        Http2Headers headers = Http2Headers.create(WritableHeaders.create());
        headers.status(io.helidon.http.Status.OK_200);
        return headers;
    }

    private static Http2FrameData message(int length) {
        return new Http2FrameData(Http2FrameHeader.create(length, Http2FrameTypes.DATA, Http2Flag.DataFlags.create(0), 1),
                BufferData.create(new byte[length]));
    }

    /** A lock that counts how often it is taken. */
    private static final class CountingLock implements Lock {
        private final ReentrantLock lock = new ReentrantLock();
        int acquisitions;

        @Override
        public void lock() {
            lock.lock();
            acquisitions++;
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            lock.lockInterruptibly();
            acquisitions++;
        }

        @Override
        public boolean tryLock() {
            boolean locked = lock.tryLock();
            acquisitions += locked ? 1 : 0;
            return locked;
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            boolean locked = lock.tryLock(time, unit);
            acquisitions += locked ? 1 : 0;
            return locked;
        }

        @Override
        public void unlock() {
            lock.unlock();
        }

        @Override
        public Condition newCondition() {
            return lock.newCondition();
        }
    }
}
