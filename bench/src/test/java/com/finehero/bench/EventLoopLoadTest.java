package com.finehero.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.netty.shaded.io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The single-loop load driver with calls that answer on the loop, as gRPC's do with a direct executor. */
class EventLoopLoadTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aPacedRunMakesExactlyTheScheduledCallsWhateverTheTiming() throws Exception {
        Duration measure = Duration.ofMillis(700);
        LoadRun.Result result = EventLoopLoad.paced("paced", 8, 400, Duration.ofMillis(100), measure, loop,
                done -> loop.execute(done::succeeded));

        assertEquals(EventLoopLoad.pacedCalls(8, 400, measure), result.calls());
        assertEquals(280, result.calls(), "8 callers sharing 400 calls/s for 0.7 s");
        assertEquals(0, result.errors());
    }

    @Test
    void aPacedCallThatStartsLateCountsTheWaitAsLatency() throws Exception {
        // one caller due every 10 ms whose calls take 20 ms: each starts later than the one before
        LoadRun.Result result = EventLoopLoad.paced("late", 1, 100, Duration.ZERO, Duration.ofMillis(500), loop,
                done -> loop.schedule(done::succeeded, 20, TimeUnit.MILLISECONDS));

        assertEquals(50, result.calls());
        // the last call was due at 490 ms but could not start before 49 × 20 ms = 980 ms
        assertTrue(result.maxMs() >= 490 + 20, "max " + result.maxMs() + " ms counts from the due time");
        assertTrue(result.p50Ms() >= 20 + 200, "p50 " + result.p50Ms() + " ms includes the backlog");
    }

    @Test
    void aClosedLoopNeverHasMoreCallsInFlightThanCallers() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        LoadRun.Result result = EventLoopLoad.closed("closed", 4, Duration.ZERO, Duration.ofMillis(300), loop, done -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            loop.schedule(() -> {
                inFlight.decrementAndGet();
                done.succeeded();
            }, 1, TimeUnit.MILLISECONDS);
        });

        assertEquals(4, most.get());
        assertEquals(0, inFlight.get(), "the run ends only when every call has answered");
        assertTrue(result.calls() >= 4, "every caller made at least one call: " + result.calls());
        assertTrue(result.p50Ms() >= 1, "a call takes at least its 1 ms: " + result.p50Ms());
    }

    @Test
    void callsThatFailAtOnceAreCountedNotTimedAndTheRunStillEnds() throws Exception {
        AtomicLong started = new AtomicLong();
        LoadRun.Result result = EventLoopLoad.closed("failing", 2, Duration.ZERO, Duration.ofMillis(200), loop, done -> {
            started.incrementAndGet();
            done.failed("UNAVAILABLE"); // before start returns, as a call on a closed channel does
        });

        assertEquals(0, result.calls());
        assertEquals(started.get(), result.errors());
        assertEquals(java.util.Map.of("UNAVAILABLE", started.get()), result.failures(), "counted by what went wrong");
        assertTrue(result.json().contains("\"failures\":{\"UNAVAILABLE\":" + started.get() + "}"), result.json());
        assertTrue(result.errors() > 100, "the callers kept trying: " + result.errors());
    }

    @Test
    void aRateThatIsNotPositiveIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EventLoopLoad.paced("none", 1, 0, Duration.ZERO, Duration.ofMillis(1), loop, EventLoopLoad.Outcome::succeeded));
        assertTrue(e.getMessage().contains("rate"));
    }
}
