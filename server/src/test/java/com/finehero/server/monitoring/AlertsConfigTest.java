package com.finehero.server.monitoring;

import java.time.Duration;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/** The alert rules' defaults are the documented thresholds; a wrong setting fails start-up naming its key. */
class AlertsConfigTest {

    private static AlertsConfig alerts(Map<String, String> values) {
        return AlertsConfig.from(Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values)).addSource(ConfigSources.classpath("application.yaml")).build().get("finehero.monitoring.alerts"));
    }

    @Test
    void defaultsAreTheDocumentedThresholds() {
        AlertsConfig config = alerts(Map.of());
        assertThat(config.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.history()).isEqualTo(100);
        assertThat(config.webhookUrl()).isNull();
        assertThat(config.rules()).extracting(AlertRule::name, AlertRule::warn, AlertRule::critical).containsExactly(
                tuple("cpu", 80.0, 95.0), tuple("memory", 85.0, 95.0), tuple("disk", 90.0, 95.0),
                tuple("slow-queries", 2000.0, 5000.0), tuple("rpc-error-rate", 5.0, 25.0), tuple("rpc-p99", 500.0, 2000.0));
    }

    @Test
    void rulesCanBeTunedAndSwitchedOff() {
        AlertsConfig config = alerts(Map.of("finehero.monitoring.alerts.cpu.enabled", "false",
                "finehero.monitoring.alerts.rpc.p99.warn", "PT0.25S", "finehero.monitoring.alerts.interval", "PT1M"));
        assertThat(config.rules()).extracting(AlertRule::name).doesNotContain("cpu");
        assertThat(config.rules()).filteredOn(r -> r.name().equals("rpc-p99")).singleElement()
                .satisfies(r -> assertThat(r.warn()).isEqualTo(250.0));
        assertThat(config.interval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void wrongValuesNameTheirKey() {
        assertThatThrownBy(() -> alerts(Map.of("finehero.monitoring.alerts.disk.warn", "120")))
                .hasMessageContaining("finehero.monitoring.alerts.disk.warn").hasMessageContaining("0 to 100");
        assertThatThrownBy(() -> alerts(Map.of("finehero.monitoring.alerts.memory.warn", "96")))
                .hasMessageContaining("finehero.monitoring.alerts.memory.warn is above");
        assertThatThrownBy(() -> alerts(Map.of("finehero.monitoring.alerts.webhook.url", "ftp://example.org/x")))
                .hasMessageContaining("FINEHERO_MONITORING_ALERTS_WEBHOOK_URL").hasMessageContaining("http://");
        assertThatThrownBy(() -> alerts(Map.of("finehero.monitoring.alerts.interval", "PT0.1S")))
                .hasMessageContaining("at least PT1S");
        assertThatThrownBy(() -> alerts(Map.of("finehero.monitoring.alerts.history", "0")))
                .hasMessageContaining("FINEHERO_MONITORING_ALERTS_HISTORY");
    }
}
