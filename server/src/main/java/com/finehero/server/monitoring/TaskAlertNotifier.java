package com.finehero.server.monitoring;

import java.lang.System.Logger.Level;
import java.util.Objects;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.tasks.TaskEngine;

/**
 * Delivers alert changes through the task engine: each change becomes one durable
 * {@code alert_webhook} task, queued by the system (no caller may queue that type), so a delivery survives a restart and is retried with backoff. The
 * idempotency key makes a change recorded twice (it never should be) one delivery.
 */
final class TaskAlertNotifier implements AlertNotifier {

    private static final System.Logger LOG = System.getLogger(TaskAlertNotifier.class.getName());

    private final TaskEngine tasks;

    public TaskAlertNotifier(TaskEngine tasks) {
        this.tasks = Objects.requireNonNull(tasks, "tasks");
    }

    @Override
    public void deliver(Alert change) {
        String key = "alert." + change.getId() + "." + change.getUpdateTime().getSeconds() + "." + change.getUpdateTime().getNanos();
        try {
            tasks.submit(Principal.SYSTEM, SubmitTaskRequest.newBuilder().setType(AlertWebhookHandler.NAME)
                    .setPayload(AlertWebhookHandler.payload(change)).setIdempotencyKey(key).build());
        } catch (RuntimeException e) {
            // the change itself is recorded and streamed; only its webhook is lost, and said so
            LOG.log(Level.ERROR, "could not queue the webhook delivery of alert " + change.getId() + ": " + e);
        }
    }
}
