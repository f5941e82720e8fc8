package com.finehero.server.platform.observe;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static com.finehero.server.platform.observe.HealthMonitor.Status.DEGRADED;
import static com.finehero.server.platform.observe.HealthMonitor.Status.UP;
import static org.assertj.core.api.Assertions.assertThat;

class HysteresisTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void oneBusySampleDoesNotChangeTheStatus() {
        Hysteresis cpu = new Hysteresis(4, 3);
        assertThat(cpu.next(UP, T0)).isEqualTo(UP);
        assertThat(cpu.next(DEGRADED, T0.plusSeconds(5))).isEqualTo(UP);
        assertThat(cpu.next(UP, T0.plusSeconds(10))).isEqualTo(UP);
        assertThat(cpu.next(DEGRADED, T0.plusSeconds(15))).isEqualTo(UP);
        assertThat(cpu.next(UP, T0.plusSeconds(20))).isEqualTo(UP);
    }

    @Test
    void aLevelThatHoldsInThreeOfFourSamplesChangesItAndSaysForHowLong() {
        Hysteresis cpu = new Hysteresis(4, 3);
        cpu.next(DEGRADED, T0);
        cpu.next(UP, T0.plusSeconds(5));
        assertThat(cpu.next(DEGRADED, T0.plusSeconds(10))).isEqualTo(UP);
        assertThat(cpu.next(DEGRADED, T0.plusSeconds(15))).isEqualTo(DEGRADED);
        assertThat(cpu.heldFor(T0.plusSeconds(15)).toSeconds()).isEqualTo(15);
        // back to UP only when UP holds as long
        assertThat(cpu.next(UP, T0.plusSeconds(20))).isEqualTo(DEGRADED);
        assertThat(cpu.next(UP, T0.plusSeconds(25))).isEqualTo(DEGRADED);
        assertThat(cpu.next(UP, T0.plusSeconds(30))).isEqualTo(UP);
    }
}
