package com.finehero.server.platform.observe;

import java.time.Duration;

import com.finehero.server.testing.SettableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlidingHistogramTest {

    @Test
    void percentilesCoverTheWindowOnly() {
        SettableClock clock = new SettableClock();
        SlidingHistogram histogram = new SlidingHistogram(clock, Duration.ofSeconds(60), 6);
        for (int i = 0; i < 100; i++) {
            histogram.record(Duration.ofMillis(500).toNanos()); // a slow minute
        }
        clock.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 100; i++) {
            histogram.record(Duration.ofMillis(2).toNanos());
        }
        assertThat(histogram.snapshot().getTotalCount()).isEqualTo(200);
        assertThat(histogram.snapshot().getValueAtPercentile(99) / 1e6).isGreaterThan(400);

        clock.advance(Duration.ofSeconds(45)); // the slow calls are now older than the window
        assertThat(histogram.snapshot().getTotalCount()).isEqualTo(100);
        assertThat(histogram.snapshot().getValueAtPercentile(99) / 1e6).isLessThan(3);

        clock.advance(Duration.ofMinutes(5));
        assertThat(histogram.snapshot().getTotalCount()).isZero();
    }
}
