package com.finehero.client.cli;

import com.finehero.api.monitoring.v1.ComponentHealth;
import com.finehero.api.monitoring.v1.GetHealthRequest;
import com.finehero.api.monitoring.v1.GetHealthResponse;
import com.finehero.api.monitoring.v1.HealthStatus;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.client.FineHeroClient;
import picocli.CommandLine.Command;

@Command(mixinStandardHelpOptions = true, name = "health", description = "Show the server's health per component. Exit code 5 when it is DOWN.")
final class HealthCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        try (FineHeroClient client = root().client()) {
            GetHealthResponse health = client.monitoring()
                    .getHealth(GetHealthRequest.getDefaultInstance());
            if (!root().printedAsJson(out(), health)) {
                out().println("status: " + name(health.getStatus()));
                Table table = new Table("COMPONENT", "STATUS", "REASON");
                for (ComponentHealth component : health.getComponentsList()) {
                    table.row(component.getName(), name(component.getStatus()), component.getReason());
                }
                table.print(out());
            }
            return health.getStatus() == HealthStatus.HEALTH_STATUS_DOWN ? 5 : 0;
        }
    }

    private static String name(HealthStatus status) {
        return status.name().substring("HEALTH_STATUS_".length());
    }
}
