package com.finehero.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** A failed call is counted under what went wrong and what it said, failures of one kind together. */
class LoadRunFailuresTest {

    @Test
    void aStatusIsNamedByItsCodeAndDescriptionWithNumbersMasked() {
        assertEquals("INTERNAL: RST_STREAM closed stream. HTTP/# error code: INTERNAL_ERROR",
                LoadRun.Failures.reason(Status.INTERNAL
                        .withDescription("RST_STREAM closed stream. HTTP/2 error code: INTERNAL_ERROR").asRuntimeException()));
        assertEquals("UNAVAILABLE", LoadRun.Failures.reason(Status.UNAVAILABLE.asRuntimeException()));
        assertEquals("DEADLINE_EXCEEDED", LoadRun.Failures.reason(Status.DEADLINE_EXCEEDED.withDescription(" ").asException()));
    }

    @Test
    void otherExceptionsAreNamedByTheirClassAndMessage() {
        assertEquals("IOException: connection reset by peer", LoadRun.Failures.reason(new IOException("connection reset by peer")));
        assertEquals("IllegalStateException", LoadRun.Failures.reason(new IllegalStateException()));
    }

    @Test
    void failuresThatDifferOnlyInNumbersCountTogetherAndLongDescriptionsAreCut() {
        LoadRun.Failures failures = new LoadRun.Failures();
        failures.add(Status.INTERNAL.withDescription("stream 3 was reset").asRuntimeException());
        failures.add(Status.INTERNAL.withDescription("stream 1035 was reset").asRuntimeException());
        failures.add(Status.UNKNOWN.withDescription("x".repeat(500)).asRuntimeException());
        Map<String, Long> counts = failures.byReason();
        assertEquals(2L, counts.get("INTERNAL: stream # was reset"));
        assertEquals(3L, failures.total());
        String cut = counts.keySet().stream().filter(r -> r.startsWith("UNKNOWN")).findFirst().orElseThrow();
        assertTrue(cut.length() < 180 && cut.endsWith("…"), cut);
    }
}
