package com.finehero.server.monitoring;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.cache.Caches;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.events.EventFeed;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.observe.RpcMetrics;
import com.finehero.server.tasks.TaskEngine;
import io.grpc.BindableService;

/**
 * The monitoring feature as the wiring sees it: the {@link Alerts} of this instance, its gRPC service,
 * and, when a webhook is configured, the alert_webhook task type it registers with the task engine.
 * Closing it ends the alert feed, then the webhook's HTTP client.
 */
public final class Monitoring implements AutoCloseable {

    private final Alerts alerts;
    private final Optional<WebhookAlertNotifier> webhook;
    private final Caches caches;
    private final RpcMetrics rpcMetrics;
    private final Database database;
    private final HealthMonitor health;
    private final TaskEngine tasks;
    private final EventFeed events;

    private Monitoring(Alerts alerts, Optional<WebhookAlertNotifier> webhook, Caches caches, RpcMetrics rpcMetrics,
                       Database database, HealthMonitor health, TaskEngine tasks, EventFeed events) {
        this.alerts = alerts;
        this.webhook = webhook;
        this.caches = caches;
        this.rpcMetrics = rpcMetrics;
        this.database = database;
        this.health = health;
        this.tasks = tasks;
        this.events = events;
    }

    /**
     * Alerting over the health checks, the slow queries and the RPC metrics; with a webhook configured,
     * alert changes are delivered by alert_webhook tasks, registered here with {@code tasks}.
     */
    public static Monitoring create(AlertsConfig config, Database database, Caches caches, RedisConnector redis,
                                    HealthMonitor health, RpcMetrics rpcMetrics, TaskEngine tasks, Clock clock, Outbox outbox,
                                    EventFeed events) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(tasks, "tasks");
        Optional<WebhookAlertNotifier> webhook = Alerts.webhook(config);
        try {
            webhook.ifPresent(hook -> tasks.register(MonitoringTasks.handlers(hook, config)));
            Alerts alerts = Alerts.create(config, new JdbcAlertStore(database, Objects.requireNonNull(outbox, "outbox")), database.slowQueries(), redis,
                    health::snapshot, rpcMetrics, clock, webhook.isPresent() ? new TaskAlertNotifier(tasks) : AlertNotifier.none());
            return new Monitoring(alerts, webhook, caches, rpcMetrics, database, health, tasks, Objects.requireNonNull(events, "events"));
        } catch (RuntimeException e) {
            webhook.ifPresent(WebhookAlertNotifier::close);
            throw e;
        }
    }

    /** The alerting of this instance; tests call {@code alerts().evaluator().evaluateNow()} after moving their clock. */
    public Alerts alerts() {
        return alerts;
    }

    /** The {@code finehero.monitoring.v1.MonitoringService} implementation. */
    public BindableService service() {
        return new MonitoringGrpcService(caches, rpcMetrics, database, health::snapshot, alerts, () -> tasks.stats(""), events);
    }

    @Override
    public void close() {
        webhook.ifPresent(WebhookAlertNotifier::close);
    }
}
