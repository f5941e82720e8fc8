package com.finehero.server.platform.rpc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.SocketWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoalescingWriterTest {

    private final ExecutorService flushers = Executors.newVirtualThreadPerTaskExecutor();
    private final Socket socket = new Socket();

    @AfterEach
    void stop() {
        socket.release();
        flushers.shutdownNow();
    }

    @Test
    void framesHandedOverWhileTheSocketIsBusyGoOutTogetherInTheirOrder() throws Exception {
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 1 << 20);
        socket.hold();
        writer.writeNow(bytes("a"));
        socket.awaitWriting();
        writer.writeNow(bytes("b"));
        writer.write(bytes("c"), bytes("d"));
        writer.writeNow(bytes("e"));
        assertThat(socket.written).as("the first write is still on the socket").isEmpty();

        socket.release();
        writer.flush();

        assertThat(socket.written).containsExactly("a", "bcde");
    }

    @Test
    void aWriteReturnsOnceQueuedAndFlushWaitsForTheSocket() {
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 1 << 20);
        socket.hold();
        writer.writeNow(bytes("a"));
        CompletableFuture<Void> flushed = CompletableFuture.runAsync(writer::flush, flushers);

        assertThat(flushed).as("flush waits while the socket holds the write").isNotCompleted();
        socket.release();
        flushed.join();
        assertThat(socket.written).containsExactly("a");
        assertThat(writer.queuedBytes()).isZero();
    }

    @Test
    void aWriterWaitsWhileTheQueueIsFullAndGoesOnOnceTheFlusherTakesIt() throws Exception {
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 4);
        socket.hold();
        writer.writeNow(bytes("a"));        // taken by the flusher, which is held on the socket
        socket.awaitWriting();
        writer.writeNow(bytes("bcde"));     // queued: the queue is full
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> writer.writeNow(bytes("f")), flushers);

        Thread.sleep(100);
        assertThat(blocked).as("a write past the limit waits").isNotCompleted();
        assertThat(writer.queuedBytes()).isEqualTo(4);

        socket.release();
        blocked.get(5, TimeUnit.SECONDS);
        writer.flush();
        assertThat(String.join("", socket.written)).isEqualTo("abcdef");
    }

    @Test
    void afterTheSocketFailsEveryWriteFails() {
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 1 << 20);
        socket.failing.set(true);
        writer.writeNow(bytes("a"));
        writer.flush();   // returns once the flusher has failed

        assertThatThrownBy(() -> writer.writeNow(bytes("b"))).isInstanceOf(SocketWriterException.class)
                .hasRootCauseMessage("connection reset");
        assertThat(writer.queuedBytes()).isZero();
    }

    @Test
    void aWaitingWriterThatIsInterruptedGivesUpAndStaysInterrupted() throws Exception {
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 1);
        socket.hold();
        writer.writeNow(bytes("a"));
        socket.awaitWriting();
        writer.writeNow(bytes("b"));
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Thread waiting = Thread.ofVirtual().start(() -> {
            try {
                writer.writeNow(bytes("c"));
                interrupted.complete(false);
            } catch (SocketWriterException e) {
                interrupted.complete(Thread.currentThread().isInterrupted());
            }
        });
        Thread.sleep(50);
        waiting.interrupt();

        assertThat(interrupted.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void drainWaitsAtMostItsTime() {
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 1 << 20);
        socket.hold();
        writer.writeNow(bytes("a"));

        assertThat(writer.drain(Duration.ofMillis(50))).isFalse();
        socket.release();
        assertThat(writer.drain(Duration.ofSeconds(5))).isTrue();
        assertThat(socket.written).containsExactly("a");
    }

    @Test
    void aWriteWhenNoFlusherCanStartFails() {
        flushers.shutdown();
        CoalescingWriter writer = new CoalescingWriter(socket, flushers, 1 << 20);

        assertThatThrownBy(() -> writer.writeNow(bytes("a"))).isInstanceOf(SocketWriterException.class);
        assertThatThrownBy(() -> writer.writeNow(bytes("b"))).isInstanceOf(SocketWriterException.class);
    }

    private static BufferData bytes(String s) {
        return BufferData.create(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** A socket that records each write, can hold writes until released, and can fail them. */
    private static final class Socket implements DataWriter {

        final List<String> written = new CopyOnWriteArrayList<>();
        final AtomicBoolean failing = new AtomicBoolean();
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private final CountDownLatch writing = new CountDownLatch(1);

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        void awaitWriting() throws InterruptedException {
            assertThat(writing.await(5, TimeUnit.SECONDS)).as("the flusher reached the socket").isTrue();
        }

        @Override
        public void writeNow(BufferData buffer) {
            writing.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (failing.get()) {
                throw new SocketWriterException(new java.io.IOException("connection reset"));
            }
            byte[] bytes = new byte[buffer.available()];
            buffer.read(bytes);
            written.add(new String(bytes, StandardCharsets.US_ASCII));
        }

        @Override
        public void writeNow(BufferData... buffers) {
            writeNow(BufferData.create(buffers));
        }

        @Override
        public void write(BufferData... buffers) {
            throw new AssertionError("the coalescing writer writes to the socket with writeNow");
        }

        @Override
        public void write(BufferData buffer) {
            throw new AssertionError("the coalescing writer writes to the socket with writeNow");
        }
    }
}
