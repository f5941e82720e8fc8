package com.finehero.server.monitoring;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * {@code finehero.monitoring.alerts}: the rules with their levels, how often they are evaluated, how
 * much history is kept and where changes are sent. Every key has its default in application.yaml;
 * a rule is on unless its {@code enabled} is false.
 */
public record AlertsConfig(boolean enabled, Duration interval, int history, List<AlertRule> rules, int rpcMinCalls,
                           Set<String> rpcExcluded, URI webhookUrl, Duration webhookTimeout, int webhookAttempts,
                           Duration webhookBackoff) {

    public static AlertsConfig from(Config alerts) {
        List<AlertRule> rules = new ArrayList<>();
        percent(alerts.get("cpu"), "cpu", AlertRule.Signal.CPU, rules);
        percent(alerts.get("memory"), "memory", AlertRule.Signal.MEMORY, rules);
        percent(alerts.get("disk"), "disk", AlertRule.Signal.DISK, rules);
        millis(alerts.get("slow-queries"), "slow-queries", AlertRule.Signal.SLOW_QUERY, rules);
        Config rpc = alerts.get("rpc");
        percent(rpc.get("error-rate"), "rpc-error-rate", AlertRule.Signal.RPC_ERROR_RATE, rules);
        millis(rpc.get("p99"), "rpc-p99", AlertRule.Signal.RPC_P99, rules);
        String excluded = ConfigValues.string(rpc, "exclude");
        String url = ConfigValues.string(alerts.get("webhook"), "url").trim();
        URI webhook = null;
        if (!url.isEmpty()) {
            try {
                webhook = URI.create(url);
            } catch (IllegalArgumentException e) {
                webhook = null;
            }
            if (webhook == null || !("http".equals(webhook.getScheme()) || "https".equals(webhook.getScheme()))
                    || webhook.getHost() == null) {
                throw new IllegalArgumentException("configuration finehero.monitoring.alerts.webhook.url = '" + url
                        + "' is invalid: expected an http:// or https:// URL (env var FINEHERO_MONITORING_ALERTS_WEBHOOK_URL)");
            }
        }
        Duration interval = ConfigValues.duration(alerts, "interval");
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("configuration finehero.monitoring.alerts.interval = '" + interval
                    + "' is invalid: expected at least PT1S (env var FINEHERO_MONITORING_ALERTS_INTERVAL)");
        }
        return new AlertsConfig(
                ConfigValues.bool(alerts, "enabled"),
                interval,
                ConfigValues.intInRange(alerts, "history", 1, 100_000),
                List.copyOf(rules),
                ConfigValues.intInRange(rpc, "min-calls", 1, 1_000_000),
                Arrays.stream(excluded.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet()),
                webhook,
                ConfigValues.duration(alerts.get("webhook"), "timeout"),
                ConfigValues.intInRange(alerts.get("webhook"), "attempts", 1, 100),
                ConfigValues.duration(alerts.get("webhook"), "backoff"));
    }

    private static void percent(Config node, String name, AlertRule.Signal signal, List<AlertRule> rules) {
        if (ConfigValues.bool(node, "enabled", true)) {
            rules.add(checked(node, name, signal, ConfigValues.intInRange(node, "warn", 0, 100),
                    ConfigValues.intInRange(node, "critical", 0, 100)));
        }
    }

    private static void millis(Config node, String name, AlertRule.Signal signal, List<AlertRule> rules) {
        if (ConfigValues.bool(node, "enabled", true)) {
            rules.add(checked(node, name, signal, ConfigValues.duration(node, "warn").toNanos() / 1e6,
                    ConfigValues.duration(node, "critical").toNanos() / 1e6));
        }
    }

    private static AlertRule checked(Config node, String name, AlertRule.Signal signal, double warn, double critical) {
        if (warn > critical) {
            throw new IllegalArgumentException("configuration " + node.key() + ".warn is above " + node.key()
                    + ".critical (expected: warn <= critical)");
        }
        return new AlertRule(name, signal, warn, critical);
    }
}
