package com.finehero.server.monitoring;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.finehero.api.monitoring.v1.ComponentHealth;
import com.finehero.api.monitoring.v1.GetHealthResponse;
import com.finehero.api.monitoring.v1.HealthStatus;
import com.finehero.server.platform.observe.HealthMonitor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GetHealth's two forms: the summary for callers who may not see details, everything for those who may. */
class HealthViewTest {

    private static final HealthMonitor.Snapshot SNAPSHOT = new HealthMonitor.Snapshot(HealthMonitor.Status.DEGRADED, List.of(
            new HealthMonitor.Component("database", HealthMonitor.Status.UP, "", Map.of("poolMax", 10)),
            new HealthMonitor.Component("cache", HealthMonitor.Status.DEGRADED,
                    "redis unreachable, serving from the database: ConnectException: 10.0.0.7:6379", Map.of("backend", "redis"))),
            Instant.parse("2026-11-23T12:00:00Z"));

    @Test
    void theSummaryHasStatusesButNoReasonsOrDetails() {
        GetHealthResponse summary = MonitoringGrpcService.health(SNAPSHOT, false, true);
        assertThat(summary.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_DEGRADED);
        assertThat(summary.getCheckedAt().getSeconds()).isEqualTo(SNAPSHOT.checkedAt().getEpochSecond());
        assertThat(summary.getComponentsList()).extracting(ComponentHealth::getName, ComponentHealth::getStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple("database", HealthStatus.HEALTH_STATUS_UP),
                org.assertj.core.groups.Tuple.tuple("cache", HealthStatus.HEALTH_STATUS_DEGRADED));
        assertThat(summary.getComponentsList()).allSatisfy(c -> {
            assertThat(c.getReason()).isEmpty();
            assertThat(c.getDetailsMap()).isEmpty();
        });
        assertThat(summary.toString()).doesNotContain("10.0.0.7");
    }

    @Test
    void whoMaySeeDetailsGetsReasonsAndDetailsWhenAsked() {
        GetHealthResponse full = MonitoringGrpcService.health(SNAPSHOT, true, true);
        assertThat(full.getComponents(1).getReason()).contains("redis unreachable");
        assertThat(full.getComponents(0).getDetailsMap()).containsEntry("poolMax", "10");
        GetHealthResponse withoutDetails = MonitoringGrpcService.health(SNAPSHOT, true, false);
        assertThat(withoutDetails.getComponents(1).getReason()).contains("redis unreachable");
        assertThat(withoutDetails.getComponents(0).getDetailsMap()).isEmpty();
    }
}
