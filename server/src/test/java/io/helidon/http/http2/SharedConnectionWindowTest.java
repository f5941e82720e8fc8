package io.helidon.http.http2;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two streams sending data at once never send more than the connection's window between them: FineHero's
 * patched connection writer checks and takes a frame's room under its lock. Helidon 4.5.0 checked the room
 * before the lock and took it after, so both streams could send the same last room and overrun the
 * client's window, which the client answers by closing the connection (RFC 9113 §6.9.1).
 */
class SharedConnectionWindowTest {

    private static final int DATA = 0x0;
    private static final int END_STREAM = 0x1;

    @Test
    void twoStreamsCannotBothSendTheConnectionsLastRoom() throws Exception {
        RecordedWrites socket = new RecordedWrites();
        ReentrantLock lock = new ReentrantLock();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of(), lock);
        AtomicInteger connectionRoom = new AtomicInteger(100);
        AtomicInteger takenWithoutTheLock = new AtomicInteger();
        CountDownLatch firstIsMeasuring = new CountDownLatch(1);
        CountDownLatch secondIsDone = new CountDownLatch(1);
        // the first stream measures the room, then gives the second stream time to send before it goes on
        StreamWindow first = new StreamWindow(connectionRoom, () -> {
            firstIsMeasuring.countDown();
            await(secondIsDone, 500);
        }, lock, takenWithoutTheLock);
        StreamWindow second = new StreamWindow(connectionRoom, () -> { }, lock, takenWithoutTheLock);

        Thread one = Thread.ofVirtual().start(() -> send(writer, 1, first));
        await(firstIsMeasuring, 5_000);
        Thread two = Thread.ofVirtual().start(() -> {
            send(writer, 3, second);
            secondIsDone.countDown();
        });
        one.join(10_000);
        two.join(10_000);

        int sent = socket.frames().stream().filter(frame -> frame.type() == DATA).mapToInt(frame -> frame.payload().length).sum();
        assertThat(sent).as("DATA bytes sent on a connection whose window is 100").isEqualTo(100);
        assertThat(connectionRoom.get()).isZero();
        assertThat(takenWithoutTheLock).as("room taken after the writer's lock was let go").hasValue(0);
    }

    @Test
    void aFrameLargerThanTheRoomGoesOutInPartsAsRoomComesEndingTheStreamOnTheLast() {
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());

        writer.writeData(endingFrame(100), OutboundWindow.granting(60, 100));
        writer.writeData(endingFrame(100), OutboundWindow.granting(0, 100));

        assertThat(socket.frames()).extracting(frame -> frame.payload().length + (frame.flags() == END_STREAM ? " end" : ""))
                .as("60 bytes, then the other 40 once room came; then nothing until room came, and all 100")
                .containsExactly("60", "40 end", "100 end");
    }

    private static Http2FrameData endingFrame(int length) {
        return new Http2FrameData(
                Http2FrameHeader.create(length, Http2FrameTypes.DATA, Http2Flag.DataFlags.create(Http2Flag.END_OF_STREAM), 1),
                BufferData.create(new byte[length]));
    }

    private static void send(Http2ConnectionWriter writer, int streamId, StreamWindow window) {
        Http2FrameData frame = new Http2FrameData(
                Http2FrameHeader.create(100, Http2FrameTypes.DATA, Http2Flag.DataFlags.create(0), streamId),
                BufferData.create(new byte[100]));
        try {
            writer.writeData(frame, window);
        } catch (NoRoomLeft e) {
            // the stream would wait for a WINDOW_UPDATE the test never sends
        }
    }

    private static void await(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class NoRoomLeft extends RuntimeException {
        NoRoomLeft() {
            super("no WINDOW_UPDATE comes in this test", null, false, false);
        }
    }

    /** A stream with ample room of its own on a connection whose room is shared. */
    private static final class StreamWindow extends TestWindow {
        private final AtomicInteger connectionRoom;
        private final Runnable afterMeasuring;
        private final ReentrantLock writerLock;
        private final AtomicInteger takenWithoutTheLock;

        StreamWindow(AtomicInteger connectionRoom, Runnable afterMeasuring, ReentrantLock writerLock,
                     AtomicInteger takenWithoutTheLock) {
            super(16_384);
            this.connectionRoom = connectionRoom;
            this.afterMeasuring = afterMeasuring;
            this.writerLock = writerLock;
            this.takenWithoutTheLock = takenWithoutTheLock;
        }

        @Override
        public Http2FrameData[] cut(Http2FrameData frame) {
            Http2FrameData[] cut = super.cut(frame);
            afterMeasuring.run();
            return cut;
        }

        @Override
        public int getRemainingWindowSize() {
            return Math.max(0, connectionRoom.get());
        }

        @Override
        public void decrementWindowSize(int decrement) {
            if (!writerLock.isHeldByCurrentThread()) {
                takenWithoutTheLock.incrementAndGet();
            }
            connectionRoom.addAndGet(-decrement);
        }

        @Override
        public void blockTillUpdate() {
            throw new NoRoomLeft();
        }
    }
}
