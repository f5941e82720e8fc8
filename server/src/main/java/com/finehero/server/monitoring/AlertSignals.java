package com.finehero.server.monitoring;

import java.util.List;

/**
 * Where rules get their values. The running server reads this instance's health checks, slow
 * statements and RPC metrics ({@link MetricSignals}); tests drive rules with values of their own.
 */
@FunctionalInterface
interface AlertSignals {

    /** A measured value; subject names the RPC for per-RPC rules ("" otherwise); detail adds context ("40 calls"). */
    record Reading(String subject, double value, String detail) { }

    /** The current values for a rule; empty when there is nothing to judge (no data, too few calls). */
    List<Reading> read(AlertRule rule);
}
