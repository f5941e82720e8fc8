package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call that finishes before its deadline leaves no timer behind: with a long deadline and many calls a
 * second, cancelled timers kept until their deadline would pile up, each holding its call's context.
 * A call still running at its deadline is answered DEADLINE_EXCEEDED, not before.
 */
class DeadlineTimersTest {

    @Test
    void aCallThatFinishesBeforeItsDeadlineLeavesNoTimerQueued() {
        try (DeadlineInterceptor deadlines = new DeadlineInterceptor()) {
            List<ServerCall.Listener<Object>> listeners = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Metadata headers = new Metadata();
                headers.put(DeadlineInterceptor.TIMEOUT, "30S");
                listeners.add(deadlines.interceptCall(new Call(), headers, (call, h) -> new ServerCall.Listener<>() { }));
            }
            assertThat(deadlines.pendingTimers()).as("a timer per call under way").isEqualTo(100);
            listeners.forEach(ServerCall.Listener::onComplete);
            assertThat(deadlines.pendingTimers()).as("timers of finished calls").isZero();
        }
    }

    @Test
    void aCallStillRunningAtItsDeadlineIsAnsweredDeadlineExceededThen() throws InterruptedException {
        try (DeadlineInterceptor deadlines = new DeadlineInterceptor()) {
            Metadata headers = new Metadata();
            headers.put(DeadlineInterceptor.TIMEOUT, "100m");
            Call call = new Call();
            long start = System.nanoTime();
            deadlines.interceptCall(call, headers, (c, h) -> new ServerCall.Listener<>() { });
            assertThat(call.closed.await(5, TimeUnit.SECONDS)).as("closed by the deadline").isTrue();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(call.closedAt - start);
            assertThat(call.status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(elapsedMillis).as("not before the deadline").isGreaterThanOrEqualTo(100);
            assertThat(deadlines.pendingTimers()).as("the fired timer").isZero();
        }
    }

    private static final class Call extends ServerCall<Object, Object> {
        final CountDownLatch closed = new CountDownLatch(1);
        volatile Status status;
        volatile long closedAt;

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(Object message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
            closedAt = System.nanoTime();
            closed.countDown();
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<Object, Object> getMethodDescriptor() {
            return null;
        }
    }
}
