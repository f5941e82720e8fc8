package com.finehero.server.platform.rpc;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code grpc-timeout} as the gRPC HTTP/2 protocol writes it. */
class DeadlineHeaderTest {

    @Test
    void readsEveryUnit() {
        assertThat(millisLeft("200m")).isBetween(150L, 200L);
        assertThat(millisLeft("3S")).isBetween(2_900L, 3_000L);
        assertThat(millisLeft("2M")).isBetween(119_000L, 120_000L);
        assertThat(millisLeft("1H")).isBetween(3_599_000L, 3_600_000L);
        assertThat(millisLeft("500000u")).isBetween(450L, 500L);
        assertThat(millisLeft("90000000n")).isBetween(40L, 90L);
    }

    @Test
    void ignoresWhatIsNotATimeout() {
        assertThat(DeadlineInterceptor.parse(null)).isEmpty();
        assertThat(DeadlineInterceptor.parse("")).isEmpty();
        assertThat(DeadlineInterceptor.parse("10")).isEmpty();
        assertThat(DeadlineInterceptor.parse("10x")).isEmpty();
        assertThat(DeadlineInterceptor.parse("-5S")).isEmpty();
        assertThat(DeadlineInterceptor.parse("123456789S")).isEmpty();
    }

    @Test
    void aTimeoutSetForAnInProcessCallReadsBackAsTheSameDeadline() {
        for (long millis : new long[] {0, 250, 30_000, 99_999_999, 3_600_000_000L}) {
            io.grpc.Metadata headers = new io.grpc.Metadata();
            headers.put(DeadlineInterceptor.TIMEOUT, "1n"); // replaced, not added to
            DeadlineInterceptor.setTimeout(headers, millis);
            assertThat(headers.getAll(DeadlineInterceptor.TIMEOUT)).hasSize(1);
            // A zero timeout has already passed when it is read back, so its remainder may be below zero.
            assertThat(millisLeft(headers.get(DeadlineInterceptor.TIMEOUT))).isBetween(millis - 1_000, millis);
        }
    }

    private static long millisLeft(String header) {
        return DeadlineInterceptor.parse(header).orElseThrow().timeRemaining(TimeUnit.MILLISECONDS);
    }
}
