package com.finehero.server.monitoring;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.lock.ClusterLock;

/**
 * Evaluates the alert rules and records what changed: an alert fires when a value reaches a rule's
 * warning level, changes severity when it crosses the critical level either way, and resolves when it
 * falls below the warning level or is no longer measured. One instance at a time: the evaluation runs
 * under a {@link ClusterLock}, only if no instance evaluated in the last half interval (a claim in the
 * database), and every write is guarded in the database ({@link AlertStore}), so a change is recorded,
 * announced and delivered once, whichever instance makes it.
 */
public final class AlertEvaluator {

    private static final System.Logger LOG = System.getLogger(AlertEvaluator.class.getName());

    /** What one call of {@link #evaluateNow} did. */
    public enum Outcome {
        /** Rules were evaluated; {@link Evaluation#changes()} lists what was recorded. */
        EVALUATED,
        /** Another evaluation holds the lock. */
        BUSY,
        /** An instance evaluated less than half an interval ago. */
        RECENT
    }

    public record Evaluation(Outcome outcome, List<Alert> changes) { }

    private final AlertStore store;
    private final AlertSignals signals;
    private final List<AlertRule> rules;
    private final ClusterLock lock;
    private final Clock clock;
    private final AlertNotifier notifier;
    private final Duration interval;
    private final int history;
    private final String instanceId = UUID.randomUUID().toString();

    AlertEvaluator(AlertStore store, AlertSignals signals, List<AlertRule> rules, ClusterLock lock, Clock clock,
                   AlertNotifier notifier, Duration interval, int history) {
        this.store = Objects.requireNonNull(store, "store");
        this.signals = Objects.requireNonNull(signals, "signals");
        this.rules = List.copyOf(rules);
        this.lock = Objects.requireNonNull(lock, "lock");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.history = history;
    }

    public Duration interval() {
        return interval;
    }

    /** For the scheduler: evaluates, logging instead of throwing. */
    public void evaluateQuietly() {
        try {
            evaluateNow();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "alert evaluation failed: " + e);
        }
    }

    /** Evaluates every rule now, unless another instance is at it or just was. */
    public Evaluation evaluateNow() {
        Optional<ClusterLock.Held> held = lock.tryAcquire();
        if (held.isEmpty()) {
            return new Evaluation(Outcome.BUSY, List.of());
        }
        try (ClusterLock.Held ignored = held.get()) {
            Instant now = clock.instant();
            if (!store.claimEvaluation(instanceId, now, interval.dividedBy(2))) {
                return new Evaluation(Outcome.RECENT, List.of());
            }
            List<Alert> changes = evaluate(now);
            for (Alert change : changes) {
                LOG.log(change.getState() == AlertState.ALERT_STATE_RESOLVED ? Level.INFO : Level.WARNING,
                        "alert " + change.getRule() + (change.getSubject().isEmpty() ? "" : " " + change.getSubject())
                                + " " + name(change) + ": " + change.getSummary());
                notifier.deliver(change);
            }
            return new Evaluation(Outcome.EVALUATED, changes);
        }
    }

    private List<Alert> evaluate(Instant now) {
        Map<String, Alert> firing = new LinkedHashMap<>();
        for (Alert alert : store.firing()) {
            firing.put(JdbcAlertStore.firingKey(alert), alert);
        }
        List<Alert> changes = new ArrayList<>();
        for (AlertRule rule : rules) {
            for (AlertSignals.Reading reading : signals.read(rule)) {
                String key = rule.name() + "|" + reading.subject();
                Alert current = firing.remove(key);
                AlertSeverity level = rule.level(reading.value());
                String summary = rule.describe(reading.subject(), reading.value(), reading.detail(), level);
                Alert change = null;
                if (current == null && level != AlertSeverity.ALERT_SEVERITY_UNSPECIFIED) {
                    Alert fired = Alert.newBuilder()
                            .setId(UUID.randomUUID().toString()).setRule(rule.name()).setSubject(reading.subject())
                            .setState(AlertState.ALERT_STATE_FIRING).setSeverity(level).setSummary(summary)
                            .setValue(reading.value()).setThreshold(rule.threshold(level)).setUnit(rule.signal().unit())
                            .setFireTime(Times.toProto(Times.truncate(now))).setUpdateTime(Times.toProto(Times.truncate(now)))
                            .build();
                    change = store.fire(fired) ? fired : null;
                } else if (current != null && level == AlertSeverity.ALERT_SEVERITY_UNSPECIFIED) {
                    change = resolve(current, summary, reading.value(), now);
                } else if (current != null && level != current.getSeverity()) {
                    Alert changed = current.toBuilder().setSeverity(level).setSummary(summary).setValue(reading.value())
                            .setThreshold(rule.threshold(level)).setUpdateTime(Times.toProto(Times.truncate(now))).build();
                    change = store.update(changed, current.getSeverity()) ? changed : null;
                }
                if (change != null) {
                    changes.add(change);
                }
            }
        }
        // still firing but no longer measured (an RPC with too few calls, a removed rule): resolved
        for (Alert current : firing.values()) {
            Alert resolved = resolve(current, "no longer measured (last: " + current.getSummary() + ")", current.getValue(), now);
            if (resolved != null) {
                changes.add(resolved);
            }
        }
        for (Alert change : changes) {
            if (change.getState() == AlertState.ALERT_STATE_RESOLVED) {
                store.prune(change.getRule(), change.getSubject(), history);
            }
        }
        return changes;
    }

    private Alert resolve(Alert current, String summary, double value, Instant now) {
        Alert resolved = current.toBuilder().setState(AlertState.ALERT_STATE_RESOLVED).setSummary(summary).setValue(value)
                .setResolveTime(Times.toProto(Times.truncate(now))).setUpdateTime(Times.toProto(Times.truncate(now))).build();
        return store.resolve(resolved) ? resolved : null;
    }

    private static String name(Alert change) {
        if (change.getState() == AlertState.ALERT_STATE_RESOLVED) {
            return "resolved";
        }
        return change.getSeverity() == AlertSeverity.ALERT_SEVERITY_CRITICAL ? "CRITICAL" : "WARNING";
    }
}
