package com.finehero.server.platform.rest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.testing.v1.BridgeTestProto;
import com.finehero.testing.v1.BridgeTestServiceGrpc;
import com.finehero.testing.v1.CountReply;
import com.finehero.testing.v1.CountRequest;
import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.RepeatedTest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The REST bridge's in-process calls: streams opened at once, as the first calls a fresh server takes,
 * all start. A server-streaming method (a watch) runs on the thread that starts its call, for as long
 * as it streams; a call made while the channel was still connecting was held and later started on the
 * thread that finished connecting, so one held watch kept that thread and every call held behind it
 * never started (a WebSocket or SSE watcher that heard nothing, on an instance just started).
 */
class InProcessCallsTest {

    private static final int STREAMS = 64;

    @RepeatedTest(5)
    void everyStreamOpenedAtOnceOnAFreshChannelStarts() throws Exception {
        AtomicInteger started = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        BridgeTestServiceGrpc.BridgeTestServiceImplBase watch = new BridgeTestServiceGrpc.BridgeTestServiceImplBase() {
            @Override
            public void count(CountRequest request, StreamObserver<CountReply> response) {
                started.incrementAndGet();
                try {
                    release.await(30, TimeUnit.SECONDS); // streams until released, on the thread that started it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.onCompleted();
            }
        };
        RpcPipeline pipeline = RpcPipeline.builder().service(BridgeTestProto.getDescriptor(), watch).build();
        HttpBinding count = HttpBinding.of(pipeline).stream().filter(b -> b.method().getName().equals("Count")).findFirst().orElseThrow();
        try (InProcessCalls calls = new InProcessCalls(pipeline, Duration.ofSeconds(10), Duration.ofSeconds(60))) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> openers = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                openers.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    calls.open(count, new Metadata()).serverStream(CountRequest.newBuilder().setN(1).build(), new Ignored());
                }));
            }
            go.countDown();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(started.get()).as("streams whose method started").isEqualTo(STREAMS));
            release.countDown();
            for (Thread opener : openers) {
                opener.join(Duration.ofSeconds(10));
            }
        } finally {
            release.countDown();
        }
    }

    private static final class Ignored implements ClientResponseObserver<Message, Message> {
        @Override
        public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
        }

        @Override
        public void onNext(Message value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
