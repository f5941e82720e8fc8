package com.finehero.server.monitoring;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import com.finehero.server.platform.db.SlowQueries;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.observe.RpcMetrics;

/**
 * The signals of this instance: CPU, memory and disk from the background health checks, the slowest
 * statement and per-RPC error rate and p99 over the recent window ({@code finehero.observe.window}).
 * RPCs with fewer calls than {@code minCalls} in the window are not judged.
 */
final class MetricSignals implements AlertSignals {

    private final Supplier<HealthMonitor.Snapshot> health;
    private final SlowQueries slowQueries;
    private final RpcMetrics rpcs;
    private final Clock clock;
    private final int minCalls;
    private final Set<String> excluded;

    MetricSignals(Supplier<HealthMonitor.Snapshot> health, SlowQueries slowQueries, RpcMetrics rpcs, Clock clock,
                  int minCalls, Set<String> excluded) {
        this.health = Objects.requireNonNull(health, "health");
        this.slowQueries = Objects.requireNonNull(slowQueries, "slowQueries");
        this.rpcs = Objects.requireNonNull(rpcs, "rpcs");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.minCalls = minCalls;
        this.excluded = Set.copyOf(excluded);
    }

    @Override
    public List<Reading> read(AlertRule rule) {
        return switch (rule.signal()) {
            case CPU -> resource("cpu");
            case MEMORY -> resource("memory");
            case DISK -> resource("disk");
            case SLOW_QUERY -> {
                Duration window = rpcs.window();
                Duration slowest = slowQueries.slowestSince(clock.instant().minus(window));
                yield slowest.isZero() ? List.of()
                        : List.of(new Reading("", slowest.toNanos() / 1e6, "in the last " + window.toSeconds() + " s"));
            }
            case RPC_ERROR_RATE, RPC_P99 -> {
                List<Reading> readings = new ArrayList<>();
                rpcs.snapshot().forEach((method, stats) -> {
                    if (stats.windowCalls() >= minCalls && !excluded.contains(method)) {
                        double value = rule.signal() == AlertRule.Signal.RPC_P99 ? stats.p99Ms()
                                : 100.0 * stats.windowErrors() / stats.windowCalls();
                        readings.add(new Reading(method, value, stats.windowCalls() + " calls in the last "
                                + rpcs.window().toSeconds() + " s"));
                    }
                });
                yield readings;
            }
        };
    }

    private List<Reading> resource(String component) {
        for (HealthMonitor.Component c : health.get().components()) {
            if (c.name().equals(component) && c.details().get("usedPercent") instanceof Number used) {
                return List.of(new Reading("", used.doubleValue(), ""));
            }
        }
        return List.of();
    }
}
