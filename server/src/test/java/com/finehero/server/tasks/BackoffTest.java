package com.finehero.server.tasks;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    @Test
    void doublesPerAttemptWithinTheJitterAndStopsAtTheCap() {
        Duration base = Duration.ofSeconds(10);
        Duration max = Duration.ofMinutes(1);
        assertThat(Backoff.delay(base, max, 1, () -> 0.5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(Backoff.delay(base, max, 2, () -> 0.5)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Backoff.delay(base, max, 3, () -> 0.5)).isEqualTo(Duration.ofSeconds(40));
        assertThat(Backoff.delay(base, max, 4, () -> 0.5)).isEqualTo(Duration.ofMinutes(1));
        assertThat(Backoff.delay(base, max, 30, () -> 0.99)).isEqualTo(Duration.ofMinutes(1));
        assertThat(Backoff.lowest(base, max, 2)).isEqualTo(Duration.ofSeconds(16));
        assertThat(Backoff.highest(base, max, 2)).isEqualTo(Duration.ofSeconds(24));
    }

    @Test
    void cronSchedulesParseAndFire() {
        CronSchedule every5 = CronSchedule.parse("*/5 * * * *");
        Instant at = Instant.parse("2026-11-23T10:02:30Z");
        assertThat(every5.next(at)).isEqualTo(Instant.parse("2026-11-23T10:05:00Z"));
        assertThat(every5.nextOrSame(Instant.parse("2026-11-23T10:05:00Z"))).isEqualTo(Instant.parse("2026-11-23T10:05:00Z"));
        assertThat(CronSchedule.parse("0 3 * * MON").next(at)).isEqualTo(Instant.parse("2026-11-30T03:00:00Z"));
        assertThatThrownBy(() -> CronSchedule.parse("61 * * * *")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CronSchedule.parse("* * *")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CronSchedule.parse(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
