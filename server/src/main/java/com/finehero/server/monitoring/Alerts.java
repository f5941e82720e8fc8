package com.finehero.server.monitoring;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.db.SlowQueries;
import com.finehero.server.platform.lock.ClusterLock;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.observe.RpcMetrics;

/**
 * The alerting of one instance, put together from {@link AlertsConfig} around the store it is given:
 * the evaluator (run by {@code FineHeroApp}'s scheduler every interval) and the webhook. Changes reach
 * WatchAlerts through the event feed: the store writes them to the outbox with the change.
 */
public final class Alerts {


    private final AlertsConfig config;
    private final AlertStore store;
    private final AlertEvaluator evaluator;

    private Alerts(AlertsConfig config, AlertStore store, AlertEvaluator evaluator) {
        this.config = config;
        this.store = store;
        this.evaluator = evaluator;
    }

    /**
     * @param notifier where changes go (the task-backed webhook delivery, or none); see
     *                 {@link #webhook(AlertsConfig)} for the webhook itself
     */
    static Alerts create(AlertsConfig config, AlertStore store, SlowQueries slowQueries, RedisConnector redis,
                                Supplier<HealthMonitor.Snapshot> health, RpcMetrics rpcs, Clock clock, AlertNotifier notifier) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(store, "store");
        AlertSignals signals = new MetricSignals(health, slowQueries, rpcs, clock, config.rpcMinCalls(),
                config.rpcExcluded());
        // the lease outlives any sane evaluation; a stalled holder frees the lock when it runs out
        ClusterLock lock = ClusterLock.create(redis, "alert-evaluator", config.interval().plus(Duration.ofSeconds(30)));
        AlertEvaluator evaluator = new AlertEvaluator(store, signals, config.rules(), lock, clock,
                Objects.requireNonNull(notifier, "notifier"), config.interval(), config.history());
        return new Alerts(config, store, evaluator);
    }

    /** The configured webhook, if any: one attempt per call; the task engine does the retrying. */
    static java.util.Optional<WebhookAlertNotifier> webhook(AlertsConfig config) {
        return config.webhookUrl() == null ? java.util.Optional.empty()
                : java.util.Optional.of(new WebhookAlertNotifier(config.webhookUrl(), config.webhookTimeout()));
    }

    public boolean enabled() {
        return config.enabled();
    }

    public AlertEvaluator evaluator() {
        return evaluator;
    }

    AlertStore store() {
        return store;
    }

    List<Alert> firing() {
        return store.firing();
    }
}
