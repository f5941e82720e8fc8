package com.finehero.server.monitoring;

import java.util.Locale;
import java.util.Objects;

import com.finehero.api.monitoring.v1.AlertSeverity;

/**
 * One rule: a signal and the levels at which it is a warning and critical. Rules over RPCs give one
 * alert per method (the alert's subject); the others one alert in all.
 *
 * @param name     the rule's name, as alerts and ListAlerts filters carry it
 * @param signal   what is measured
 * @param warn     value at or above which the alert fires as a warning
 * @param critical value at or above which it is critical
 */
record AlertRule(String name, Signal signal, double warn, double critical) {

    /** What a rule measures, and in which unit. */
    enum Signal {
        CPU("percent"), MEMORY("percent"), DISK("percent"),
        /** The slowest database statement of the recent window. */
        SLOW_QUERY("ms"),
        /** Failed calls as a percentage of the calls of the recent window, per RPC. */
        RPC_ERROR_RATE("percent"),
        /** p99 latency of the recent window, per RPC. */
        RPC_P99("ms");

        private final String unit;

        Signal(String unit) {
            this.unit = unit;
        }

        String unit() {
            return unit;
        }
    }

    AlertRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(signal, "signal");
        if (warn < 0 || warn > critical) {
            throw new IllegalArgumentException("alert rule " + name + ": warn " + warn + ", critical " + critical
                    + " (expected: 0 <= warn <= critical)");
        }
    }

    /** The severity a measured value reaches, or UNSPECIFIED when below the warning level. */
    AlertSeverity level(double value) {
        if (value >= critical) {
            return AlertSeverity.ALERT_SEVERITY_CRITICAL;
        }
        return value >= warn ? AlertSeverity.ALERT_SEVERITY_WARNING : AlertSeverity.ALERT_SEVERITY_UNSPECIFIED;
    }

    double threshold(AlertSeverity severity) {
        return severity == AlertSeverity.ALERT_SEVERITY_CRITICAL ? critical : warn;
    }

    /** One line for people: "disk 93.1% used (warning at 90%)", "... resolved: 40.0% (warning at 90%)". */
    String describe(String subject, double value, String detail, AlertSeverity severity) {
        String what = switch (signal) {
            case CPU, MEMORY, DISK -> signal.name().toLowerCase(Locale.ROOT) + " " + number(value) + "% used";
            case SLOW_QUERY -> "slowest statement took " + number(value) + " ms";
            case RPC_ERROR_RATE -> subject + " failed " + number(value) + "% of " + detail;
            case RPC_P99 -> subject + " p99 " + number(value) + " ms over " + detail;
        };
        String unit = signal.unit().equals("percent") ? "%" : " ms";
        return severity == AlertSeverity.ALERT_SEVERITY_UNSPECIFIED
                ? what + ", below the warning level " + number(warn) + unit
                : what + " (" + (severity == AlertSeverity.ALERT_SEVERITY_CRITICAL ? "critical" : "warning") + " at "
                        + number(threshold(severity)) + unit + ")";
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value)
                : String.format(Locale.ROOT, "%.1f", value);
    }
}
