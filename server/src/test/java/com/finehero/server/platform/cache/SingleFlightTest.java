package com.finehero.server.platform.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Context;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SingleFlightTest {

    @Test
    void concurrentLoadsOfOneKeyMakeOneLoad() throws Exception {
        SingleFlight<String> flight = new SingleFlight<>();
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> callers = new ArrayList<>();
        List<String> results = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 16; i++) {
            callers.add(Thread.ofVirtual().start(() -> results.add(flight.load("k", () -> {
                loads.incrementAndGet();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "value";
            }))));
        }
        // a caller parks only in the loader (on the latch) or while joining the load in flight
        await().atMost(Duration.ofSeconds(10)).until(() -> callers.stream().allMatch(SingleFlightTest::parked));
        assertThat(loads.get()).as("one load runs while the other callers wait for it").isEqualTo(1);

        release.countDown();
        for (Thread caller : callers) {
            caller.join();
        }
        assertThat(loads.get()).isEqualTo(1);
        assertThat(results).hasSize(16).containsOnly("value");
    }

    @Test
    void aFailedLoadIsNotRemembered() {
        SingleFlight<String> flight = new SingleFlight<>();
        assertThatThrownBy(() -> flight.load("k", () -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");

        assertThat(flight.load("k", () -> "second")).as("the next caller loads again").isEqualTo("second");
    }

    @Test
    void aCallerJoiningASlowLoadGivesUpAtItsOwnDeadline() throws Exception {
        SingleFlight<String> flight = new SingleFlight<>();
        CountDownLatch release = new CountDownLatch(1);
        Thread leader = slowLeader(flight, release);
        try (ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor()) {
            Context.CancellableContext call = Context.current().withDeadlineAfter(200, TimeUnit.MILLISECONDS, timer);
            long start = System.nanoTime();
            assertThatThrownBy(() -> call.run(() -> flight.load("k", () -> "own")))
                    .isInstanceOfSatisfying(FineHeroException.DeadlineExceeded.class,
                            e -> assertThat(e.getMessage()).contains("deadline passed while waiting"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered at its own deadline, not the leader's")
                    .isLessThan(Duration.ofSeconds(5));
            call.cancel(null);
        }
        release.countDown();
        leader.join();
    }

    @Test
    void aCallerJoiningASlowLoadStopsWhenItsClientGoesAway() throws Exception {
        SingleFlight<String> flight = new SingleFlight<>();
        CountDownLatch release = new CountDownLatch(1);
        Thread leader = slowLeader(flight, release);
        Context.CancellableContext call = Context.current().withCancellation();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread joiner = Thread.ofVirtual().start(() -> {
            try {
                call.run(() -> flight.load("k", () -> "own"));
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(joiner));
        call.cancel(null);
        joiner.join(Duration.ofSeconds(5));
        assertThat(joiner.isAlive()).as("the joiner stopped waiting when its call was cancelled").isFalse();
        assertThat(thrown.get()).isInstanceOf(FineHeroException.DeadlineExceeded.class).hasMessageContaining("cancelled");
        release.countDown();
        leader.join();
    }

    /** A caller loading "k" until {@code release}, parked in its load once this returns. */
    private static Thread slowLeader(SingleFlight<String> flight, CountDownLatch release) {
        Thread leader = Thread.ofVirtual().start(() -> flight.load("k", () -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "late";
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> parked(leader));
        return leader;
    }

    private static boolean parked(Thread thread) {
        Thread.State state = thread.getState();
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
    }
}
