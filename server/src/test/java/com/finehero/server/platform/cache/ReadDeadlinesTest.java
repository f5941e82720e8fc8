package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadDeadlinesTest {

    private final ReadDeadlines deadlines = new ReadDeadlines(Duration.ofMillis(200));

    @AfterEach
    void close() {
        deadlines.close();
    }

    @Test
    void anAnswerInTimeIsReturned() throws Exception {
        CompletableFuture<String> reply = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS).execute(() -> reply.complete("v1"));

        assertThat(deadlines.await(reply)).isEqualTo("v1");
        assertThat(deadlines.await(CompletableFuture.completedFuture("v2"))).isEqualTo("v2");
    }

    @Test
    void noAnswerEndsTheWaitOnceTheTimeoutHasPassedAndLeavesTheReplyAlone() {
        CompletableFuture<String> reply = new CompletableFuture<>();
        long start = System.nanoTime();

        assertThatThrownBy(() -> deadlines.await(reply)).isInstanceOf(TimeoutException.class);

        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waitedMillis).isBetween(200L, 5_000L);
        assertThat(reply).as("another reader may still be waiting for it").isNotDone();
    }

    @Test
    void eachReaderHasItsOwnDeadline() throws Exception {
        CompletableFuture<String> shared = new CompletableFuture<>();
        CompletableFuture<Long> first = CompletableFuture.supplyAsync(() -> timedOutAfterMillis(shared));
        Thread.sleep(150);
        CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> timedOutAfterMillis(shared));

        assertThat(first.get(5, TimeUnit.SECONDS)).isBetween(200L, 5_000L);
        assertThat(second.get(5, TimeUnit.SECONDS)).as("not ended with the first").isBetween(200L, 5_000L);
    }

    @Test
    void aFailedReplyIsThrownAsItsFailure() {
        CompletableFuture<String> reply = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)
                .execute(() -> reply.completeExceptionally(new IllegalStateException("READONLY")));

        assertThatThrownBy(() -> deadlines.await(reply)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("READONLY");
    }

    @Test
    void answeredReadsLeaveTheQueue() throws Exception {
        for (int i = 0; i < 1_000; i++) {
            CompletableFuture<Integer> reply = new CompletableFuture<>();
            int value = i;
            Thread.ofVirtual().start(() -> reply.complete(value));
            assertThat(deadlines.await(reply)).isEqualTo(i);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (deadlines.queued() > 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(deadlines.queued()).isZero();
    }

    @Test
    void closingEndsTheReadsStillWaiting() throws Exception {
        ReadDeadlines longOnes = new ReadDeadlines(Duration.ofMinutes(5));
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        waitForever(longOnes, ended);
        Thread.sleep(100);
        longOnes.close();

        assertThat(ended.get(5, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
    }

    @Test
    void anInterruptedReaderStopsWaiting() throws Exception {
        ReadDeadlines longOnes = new ReadDeadlines(Duration.ofMinutes(5));
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread reader = waitForever(longOnes, ended);
        Thread.sleep(100);
        reader.interrupt();

        assertThat(ended.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        longOnes.close();
    }

    /** A reader of a reply that never comes; {@code ended} gets what ended its wait. */
    private static Thread waitForever(ReadDeadlines deadlines, CompletableFuture<Throwable> ended) {
        return Thread.ofVirtual().start(() -> {
            try {
                deadlines.await(new CompletableFuture<String>());
                ended.complete(null);
            } catch (Exception e) {
                ended.complete(e);
            }
        });
    }

    private long timedOutAfterMillis(CompletableFuture<String> reply) {
        long start = System.nanoTime();
        try {
            deadlines.await(reply);
            throw new AssertionError("answered");
        } catch (TimeoutException e) {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
