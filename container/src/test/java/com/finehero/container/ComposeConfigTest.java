package com.finehero.container;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * src/container/compose.yaml as Debian's podman-compose reads it. That version (1.0.x) has no
 * {@code config} command; {@code --dry-run up} parses and resolves the whole file and prints the podman
 * commands it would run, pulling, building and starting nothing (it does create the project's network
 * and volume, removed afterwards).
 */
@Tag("container")
class ComposeConfigTest {

    private static final String PROJECT = "finehero-compose-test-" + ProcessHandle.current().pid();

    @Test
    void composeFileDefinesTheLocalStack() {
        Podman.Result result = Podman.run(Duration.ofMinutes(2), List.of("env", "FINEHERO_AUTH_JWT_KEYS={\"keys\":[]}",
                "podman-compose", "--dry-run", "-p", PROJECT, "-f", "src/container/compose.yaml", "up", "-d"));
        String plan = result.output();
        assertThat(result.exitCode()).as(plan).isZero();
        for (String service : List.of("postgres", "redis", "finehero-a", "finehero-b", "prometheus", "grafana")) {
            assertThat(plan).as("service %s", service).contains("--network-alias " + service);
        }
        // both instances: the image src/container builds, read-only root, the shared PostgreSQL and Redis
        assertThat(plan.lines().filter(line -> line.contains("localhost/finehero:0.1.0") && line.contains("--read-only")
                && line.contains("FINEHERO_DB_URL=jdbc:postgresql://postgres:5432/finehero")
                && line.contains("FINEHERO_REDIS_ADDRESS=redis://redis:6379"))).hasSize(2);
        // the project's rules and dashboard, from the files in the repository
        Matcher mounts = Pattern.compile("-v (/[^:\\s]+):").matcher(plan);
        int found = 0;
        while (mounts.find()) {
            assertThat(Files.exists(java.nio.file.Path.of(mounts.group(1)))).as("mounted file %s", mounts.group(1)).isTrue();
            found++;
        }
        assertThat(found).isEqualTo(5);
        assertThat(plan).contains("src/observability/prometheus-alerts.yaml:/etc/prometheus/prometheus-alerts.yaml")
                .contains("src/observability/grafana-dashboard.json:/etc/finehero/grafana-dashboard.json");
    }

    @Test
    void composeFileRefusesToStartWithoutSigningKeys() {
        Podman.Result result = Podman.run(Duration.ofMinutes(2), List.of("env", "-u", "FINEHERO_AUTH_JWT_KEYS",
                "podman-compose", "--dry-run", "-p", PROJECT, "-f", "src/container/compose.yaml", "up", "-d"));
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("set FINEHERO_AUTH_JWT_KEYS");
    }

    @AfterEach
    void removeWhatDryRunCreated() {
        Podman.run(Duration.ofSeconds(30), Podman.command("network", "rm", "-f", PROJECT + "_default"));
        Podman.run(Duration.ofSeconds(30), Podman.command("volume", "rm", "-f", PROJECT + "_postgres-data"));
    }
}
