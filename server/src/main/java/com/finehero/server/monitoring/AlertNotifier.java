package com.finehero.server.monitoring;

import com.finehero.api.monitoring.v1.Alert;

/**
 * Tells someone outside FineHero that an alert fired, changed severity or resolved. Called by the
 * instance that recorded the change, once per change, after it is in the database; must not block
 * (the evaluator calls it inline).
 *
 * <p>With a webhook configured, {@link TaskAlertNotifier} queues one durable {@code alert_webhook}
 * task per change, whose handler calls {@link WebhookAlertNotifier#send}: retries and restarts are
 * the task engine's, and the evaluator knows nothing of either.
 */
@FunctionalInterface
interface AlertNotifier {

    void deliver(Alert change);

    /** No delivery (no webhook configured). */
    static AlertNotifier none() {
        return change -> { };
    }
}
