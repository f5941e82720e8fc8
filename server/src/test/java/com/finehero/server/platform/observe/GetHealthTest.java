package com.finehero.server.platform.observe;

import com.finehero.api.monitoring.v1.ComponentHealth;
import com.finehero.api.monitoring.v1.GetHealthRequest;
import com.finehero.api.monitoring.v1.GetHealthResponse;
import com.finehero.api.monitoring.v1.HealthStatus;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Components and thresholds as GetHealth reports them; disk is pushed over its levels by config. */
class GetHealthTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.health.disk.warn", "0")
            .with("finehero.health.disk.critical", "100")
            .with("finehero.health.cpu.warn", "100")
            .with("finehero.health.cpu.critical", "100")
            // one reading decides: start-up checks once, and these tests should not count on how often
            .with("finehero.health.window", "1")
            .with("finehero.health.hold", "1");

    @Test
    void everyComponentIsReportedWithItsReason() {
        APP.app().health().checkNow();
        GetHealthResponse health = MonitoringServiceGrpc.newBlockingStub(APP.channel())
                .getHealth(GetHealthRequest.newBuilder().setIncludeDetails(true).build());
        assertThat(health.getComponentsList()).extracting(ComponentHealth::getName)
                .containsExactly("database", "cache", "disk", "memory", "cpu", "tasks");
        ComponentHealth disk = component(health, "disk");
        assertThat(disk.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_DEGRADED);
        assertThat(disk.getReason()).contains("% used now; at or above the warning 0.0%");
        assertThat(disk.getDetailsMap()).containsKeys("usedPercent", "freeBytes");
        assertThat(component(health, "database").getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_UP);
        assertThat(component(health, "database").getDetailsMap()).containsKeys("latencyMs", "poolMax");
        assertThat(health.getStatus()).as("a degraded disk degrades the whole, but the database is up")
                .isEqualTo(HealthStatus.HEALTH_STATUS_DEGRADED);
        assertThat(APP.get("/observe/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void detailsOnlyWhenAsked() {
        GetHealthResponse health = MonitoringServiceGrpc.newBlockingStub(APP.channel()).getHealth(GetHealthRequest.getDefaultInstance());
        assertThat(health.getComponentsList()).allSatisfy(c -> assertThat(c.getDetailsMap()).isEmpty());
    }

    @Test
    void restAnswersToo() {
        assertThat(APP.get("/v1/monitoring/health").body()).contains("\"name\":\"disk\"").contains("HEALTH_STATUS_DEGRADED");
    }

    private static ComponentHealth component(GetHealthResponse health, String name) {
        return health.getComponentsList().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
