package com.finehero.server.monitoring;

import com.finehero.api.monitoring.v1.Alert;

/**
 * Tells someone outside FineHero that an alert fired, changed severity or resolved. Called by the
 * instance that recorded the change, once per change, after it is in the database; must not block
 * (the evaluator calls it inline).
 *
 * <p>Today {@link WebhookAlertNotifier} delivers in this process with its own retries. When the task
 * engine (issue 6) lands, an implementation that enqueues a durable "deliver alert webhook" task,
 * whose handler calls {@link WebhookAlertNotifier#send}, replaces it here without touching the
 * evaluator.
 */
@FunctionalInterface
public interface AlertNotifier {

    void deliver(Alert change);

    /** No delivery (no webhook configured). */
    static AlertNotifier none() {
        return change -> { };
    }
}
