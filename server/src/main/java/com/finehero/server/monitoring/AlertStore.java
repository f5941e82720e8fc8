package com.finehero.server.monitoring;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;

/**
 * Where alerts are kept, shared by every instance. Each write is guarded so that two instances
 * evaluating at once can never record the same transition twice: {@link #fire} refuses a second
 * firing alert for a rule and subject, and {@link #update}/{@link #resolve} apply only to an alert
 * still in the state the caller saw. Each returns whether this caller made the change.
 */
interface AlertStore {

    /** Filters of ListAlerts (UNSPECIFIED / empty = any) and the position after which a page starts. */
    record Query(AlertState state, String rule, AlertSeverity severity, Cursor after) { }

    record Cursor(Instant fireTime, String id) { }

    /** Claims this evaluation period: true if nobody evaluated within {@code minGap} before {@code now}. */
    boolean claimEvaluation(String instanceId, Instant now, Duration minGap);

    /** Every firing alert. */
    List<Alert> firing();

    /** Records a new firing alert; false if one is already firing for its rule and subject. */
    boolean fire(Alert alert);

    /** Changes a firing alert's severity and figures; false unless it is still firing at {@code expected}. */
    boolean update(Alert changed, AlertSeverity expected);

    /** Resolves a firing alert; false if it was not firing any more. */
    boolean resolve(Alert resolved);

    /** Deletes resolved alerts of a rule and subject beyond the newest {@code keep}. Returns how many. */
    int prune(String rule, String subject, int keep);

    /** Most recently fired first. */
    List<Alert> list(Query query, int limit);
}
