package com.finehero.server.platform.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SingleFlightTest {

    @Test
    void concurrentLoadsOfOneKeyMakeOneLoad() throws Exception {
        SingleFlight<String> flight = new SingleFlight<>();
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger waiting = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 16; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                waiting.incrementAndGet();
                results.add(flight.load("k", () -> {
                    loads.incrementAndGet();
                    try {
                        release.await(10, TimeUnit.SECONDS); // hold the load until every caller has arrived
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "value";
                }));
            }));
        }
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> waiting.get() == 16);
        Thread.sleep(50); // let the last arrivals reach load(); the latch keeps the one loader waiting
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
        try {
            flight.load("k", () -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            // the next caller loads again
        }
        assertThat(flight.load("k", () -> "second")).isEqualTo("second");
    }
}
