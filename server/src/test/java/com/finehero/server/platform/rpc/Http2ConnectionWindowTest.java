package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.http.http2.ConnectionFlowControl;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bytes a connection's streams hand back to its flow-control window all reach the client as
 * WINDOW_UPDATE. Every stream returns them from its own thread; Helidon 4.5.0 summed them in a plain int
 * and lost some under concurrency, until the client's window for the connection ran out and every call
 * on it hung (h2load, 64 streams of small gRPC calls: a connection stopped for good after 1 to 5 MiB of
 * requests). FineHero ships a patched {@code io.helidon.http.http2.WindowSizeImpl}
 * (docs/decisions/2026-12-06-helidon-http2-connection-window-race.md); with Helidon's own class the
 * test fails.
 */
class Http2ConnectionWindowTest {

    private static final int WINDOW = 1 << 20;          // Helidon's default initial window, FineHero's too
    private static final int WATERMARK = WINDOW / 2;    // updates are deferred until half the window is back
    private static final int THREADS = 8;
    private static final int RETURNS_PER_THREAD = 200_000;
    private static final int REQUEST_BYTES = 43;        // a GetFine request's DATA frame

    @Test
    void everyByteReturnedFromManyThreadsAtOnceIsSentBackToTheClient() throws InterruptedException {
        AtomicLong sent = new AtomicLong();
        ConnectionFlowControl connection = ConnectionFlowControl.serverBuilder(
                        (streamId, update) -> sent.addAndGet(update.windowSizeIncrement()))
                .initialWindowSize(WINDOW)
                .build();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> streams = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            streams.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int n = 0; n < RETURNS_PER_THREAD; n++) {
                    connection.incrementInboundConnectionWindowSize(REQUEST_BYTES);
                }
            }));
        }
        start.countDown();
        for (Thread stream : streams) {
            stream.join();
        }
        long returned = (long) THREADS * RETURNS_PER_THREAD * REQUEST_BYTES;
        // all of it sent but what is still deferred, which is never more than the watermark
        assertThat(sent.get()).isLessThanOrEqualTo(returned).isGreaterThanOrEqualTo(returned - WATERMARK);
    }
}
