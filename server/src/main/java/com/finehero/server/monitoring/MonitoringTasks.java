package com.finehero.server.monitoring;

import java.util.List;

import com.finehero.server.tasks.TaskHandler;

/** The task types of monitoring, in one place: alert_webhook, there when a webhook is configured. */
final class MonitoringTasks {

    private MonitoringTasks() {
    }

    /** The handlers of the monitoring task types, to register with the task engine. */
    public static List<TaskHandler> handlers(WebhookAlertNotifier webhook, AlertsConfig config) {
        return List.of(new AlertWebhookHandler(webhook, config.webhookAttempts(), config.webhookBackoff()));
    }
}
