package com.finehero.server.monitoring;

import java.net.http.HttpRequest;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.monitoring.v1.ComponentHealth;
import com.finehero.api.monitoring.v1.GetHealthRequest;
import com.finehero.api.monitoring.v1.GetHealthResponse;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** GetHealth gives admins and analysts the details, and everyone else (anonymous included) the summary. */
class HealthByCallerTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final GetHealthRequest DETAILED = GetHealthRequest.newBuilder().setIncludeDetails(true).build();

    @Test
    void detailsDependOnTheCallersRole() {
        APP.app().health().checkNow();
        GetHealthResponse admin = MonitoringServiceGrpc.newBlockingStub(APP.channel()).getHealth(DETAILED);
        assertThat(admin.getComponentsList()).anySatisfy(c -> assertThat(c.getDetailsMap()).isNotEmpty());
        assertThat(admin.getComponentsList()).filteredOn(c -> c.getName().equals("tasks")).singleElement()
                .satisfies(tasks -> assertThat(tasks.getDetailsMap()).containsKeys("pending", "running", "dead", "oldestPendingSeconds"));

        GetHealthResponse anonymous = MonitoringServiceGrpc.newBlockingStub(APP.anonymousChannel()).getHealth(DETAILED);
        assertThat(anonymous.getComponentsList()).isNotEmpty().allSatisfy(c -> {
            assertThat(c.getDetailsMap()).isEmpty();
            assertThat(c.getReason()).isEmpty();
        });
        assertThat(anonymous.getComponentsList()).extracting(ComponentHealth::getName)
                .containsExactlyElementsOf(admin.getComponentsList().stream().map(ComponentHealth::getName).toList());

        GetHealthResponse viewer = MonitoringServiceGrpc.newBlockingStub(APP.userWith(Role.ROLE_VIEWER).channel()).getHealth(DETAILED);
        assertThat(viewer.getComponentsList()).allSatisfy(c -> assertThat(c.getDetailsMap()).isEmpty());

        String rest = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/v1/monitoring/health?include_details=true")).GET().build()).body();
        assertThat(rest).contains("\"status\"").doesNotContain("\"details\"");
    }
}
