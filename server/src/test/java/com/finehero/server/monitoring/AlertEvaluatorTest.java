package com.finehero.server.monitoring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertSeverity;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.lock.ClusterLock;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.SettableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rules against values the test sets, a clock the test moves and the real alert store (H2): alerts
 * fire, change severity, resolve, are announced once, keep a bounded history, and evaluations are
 * spaced by the interval and exclusive.
 */
class AlertEvaluatorTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static Database database;

    private final SettableClock clock = APP.clock();
    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private final List<Alert> delivered = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void openDatabase() {
        database = Database.open(DbConfig.from(APP.config().get("finehero.db")), APP.clock());
    }

    /** Each test starts with no alerts: a firing alert of a rule an evaluator does not know is resolved by it. */
    @BeforeEach
    void noAlerts() {
        database.inTransaction(connection -> connection.createStatement().executeUpdate("DELETE FROM alerts"));
    }

    @AfterAll
    static void closeDatabase() {
        database.close();
    }

    /** Readings from {@link #values}: "rule" or "rule|subject" → value; no entry, no reading. */
    private AlertSignals signals() {
        return rule -> {
            List<AlertSignals.Reading> readings = new ArrayList<>();
            values.forEach((key, value) -> {
                String[] parts = key.split("\\|", 2);
                if (parts[0].equals(rule.name())) {
                    readings.add(new AlertSignals.Reading(parts.length > 1 ? parts[1] : "", value, "40 calls"));
                }
            });
            return readings;
        };
    }

    private AlertEvaluator evaluator(ClusterLock lock, int history, AlertRule... rules) {
        return new AlertEvaluator(new JdbcAlertStore(database), signals(), List.of(rules), lock, clock,
                delivered::add, INTERVAL, history);
    }

    private AlertEvaluator.Evaluation nextTick(AlertEvaluator evaluator) {
        clock.advance(INTERVAL);
        return evaluator.evaluateNow();
    }

    @Test
    void firesEscalatesAndResolves() {
        AlertEvaluator evaluator = evaluator(ClusterLock.local(), 100, new AlertRule("cpu-test", AlertRule.Signal.CPU, 80, 95));
        values.put("cpu-test", 50.0);
        assertThat(nextTick(evaluator).changes()).isEmpty();

        values.put("cpu-test", 85.0);
        AlertEvaluator.Evaluation fired = nextTick(evaluator);
        assertThat(fired.outcome()).isEqualTo(AlertEvaluator.Outcome.EVALUATED);
        assertThat(fired.changes()).singleElement().satisfies(alert -> {
            assertThat(alert.getState()).isEqualTo(AlertState.ALERT_STATE_FIRING);
            assertThat(alert.getSeverity()).isEqualTo(AlertSeverity.ALERT_SEVERITY_WARNING);
            assertThat(alert.getSummary()).isEqualTo("cpu 85% used (warning at 80%)");
            assertThat(alert.getThreshold()).isEqualTo(80);
            assertThat(alert.getUnit()).isEqualTo("percent");
        });
        String id = fired.changes().getFirst().getId();

        values.put("cpu-test", 86.0);
        assertThat(nextTick(evaluator).changes()).as("same level: nothing to record").isEmpty();

        values.put("cpu-test", 97.5);
        assertThat(nextTick(evaluator).changes()).singleElement().satisfies(alert -> {
            assertThat(alert.getId()).isEqualTo(id);
            assertThat(alert.getSeverity()).isEqualTo(AlertSeverity.ALERT_SEVERITY_CRITICAL);
            assertThat(alert.getSummary()).isEqualTo("cpu 97.5% used (critical at 95%)");
        });

        values.put("cpu-test", 10.0);
        AlertEvaluator.Evaluation resolved = nextTick(evaluator);
        assertThat(resolved.changes()).singleElement().satisfies(alert -> {
            assertThat(alert.getId()).isEqualTo(id);
            assertThat(alert.getState()).isEqualTo(AlertState.ALERT_STATE_RESOLVED);
            assertThat(alert.hasResolveTime()).isTrue();
            assertThat(alert.getSummary()).isEqualTo("cpu 10% used, below the warning level 80%");
        });

        assertThat(delivered).extracting(Alert::getState, Alert::getSeverity).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AlertState.ALERT_STATE_FIRING, AlertSeverity.ALERT_SEVERITY_WARNING),
                org.assertj.core.groups.Tuple.tuple(AlertState.ALERT_STATE_FIRING, AlertSeverity.ALERT_SEVERITY_CRITICAL),
                org.assertj.core.groups.Tuple.tuple(AlertState.ALERT_STATE_RESOLVED, AlertSeverity.ALERT_SEVERITY_CRITICAL));
        List<Alert> stored = new JdbcAlertStore(database).list(
                new AlertStore.Query(AlertState.ALERT_STATE_UNSPECIFIED, "cpu-test", AlertSeverity.ALERT_SEVERITY_UNSPECIFIED, null), 10);
        assertThat(stored).singleElement().isEqualTo(resolved.changes().getFirst());
    }

    @Test
    void perSubjectAlertsResolveWhenNoLongerMeasured() {
        AlertEvaluator evaluator = evaluator(ClusterLock.local(), 100,
                new AlertRule("errors-test", AlertRule.Signal.RPC_ERROR_RATE, 5, 25));
        values.put("errors-test|pkg.S/A", 30.0);
        values.put("errors-test|pkg.S/B", 6.0);
        assertThat(nextTick(evaluator).changes()).extracting(Alert::getSubject, Alert::getSeverity).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("pkg.S/A", AlertSeverity.ALERT_SEVERITY_CRITICAL),
                org.assertj.core.groups.Tuple.tuple("pkg.S/B", AlertSeverity.ALERT_SEVERITY_WARNING));
        assertThat(delivered.getFirst().getSummary()).contains("failed").contains("of 40 calls");

        values.remove("errors-test|pkg.S/A"); // too few calls in the window now
        assertThat(nextTick(evaluator).changes()).singleElement().satisfies(alert -> {
            assertThat(alert.getSubject()).isEqualTo("pkg.S/A");
            assertThat(alert.getState()).isEqualTo(AlertState.ALERT_STATE_RESOLVED);
            assertThat(alert.getSummary()).startsWith("no longer measured");
        });
    }

    @Test
    void keepsTheLastResolvedAlertsOfEachRule() {
        AlertEvaluator evaluator = evaluator(ClusterLock.local(), 3, new AlertRule("disk-test", AlertRule.Signal.DISK, 90, 95));
        List<String> fired = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            values.put("disk-test", 91.0);
            fired.add(nextTick(evaluator).changes().getFirst().getId());
            values.put("disk-test", 10.0);
            assertThat(nextTick(evaluator).changes()).hasSize(1);
        }
        values.put("disk-test", 99.0);
        String firing = nextTick(evaluator).changes().getFirst().getId();
        List<Alert> kept = new JdbcAlertStore(database).list(
                new AlertStore.Query(AlertState.ALERT_STATE_UNSPECIFIED, "disk-test", AlertSeverity.ALERT_SEVERITY_UNSPECIFIED, null), 50);
        assertThat(kept).extracting(Alert::getId).as("the firing one and the three newest resolved, newest first")
                .containsExactly(firing, fired.get(4), fired.get(3), fired.get(2));
    }

    @Test
    void evaluatesOncePerHalfIntervalAndNeverTwiceAtOnce() {
        ClusterLock lock = ClusterLock.local();
        AlertEvaluator first = evaluator(lock, 100, new AlertRule("mem-test", AlertRule.Signal.MEMORY, 85, 95));
        AlertEvaluator second = evaluator(lock, 100, new AlertRule("mem-test", AlertRule.Signal.MEMORY, 85, 95));
        values.put("mem-test", 90.0);
        assertThat(nextTick(first).changes()).hasSize(1);
        assertThat(second.evaluateNow().outcome()).as("evaluated moments ago").isEqualTo(AlertEvaluator.Outcome.RECENT);
        clock.advance(INTERVAL.dividedBy(2));
        try (ClusterLock.Held held = lock.tryAcquire().orElseThrow()) {
            assertThat(second.evaluateNow().outcome()).isEqualTo(AlertEvaluator.Outcome.BUSY);
        }
        assertThat(second.evaluateNow().outcome()).isEqualTo(AlertEvaluator.Outcome.EVALUATED);
        assertThat(delivered).as("the firing was recorded once").hasSize(1);
    }

    @Test
    void theStoreRecordsEachTransitionOnce() {
        JdbcAlertStore store = new JdbcAlertStore(database);
        Alert alert = Alert.newBuilder().setId(java.util.UUID.randomUUID().toString()).setRule("guard-test")
                .setState(AlertState.ALERT_STATE_FIRING).setSeverity(AlertSeverity.ALERT_SEVERITY_WARNING)
                .setSummary("s").setUnit("percent")
                .setFireTime(com.finehero.server.platform.db.Times.toProto(clock.instant()))
                .setUpdateTime(com.finehero.server.platform.db.Times.toProto(clock.instant())).build();
        assertThat(store.fire(alert)).isTrue();
        assertThat(store.fire(alert.toBuilder().setId(java.util.UUID.randomUUID().toString()).build()))
                .as("a second firing alert for the same rule and subject").isFalse();
        Alert critical = alert.toBuilder().setSeverity(AlertSeverity.ALERT_SEVERITY_CRITICAL).build();
        assertThat(store.update(critical, AlertSeverity.ALERT_SEVERITY_WARNING)).isTrue();
        assertThat(store.update(critical, AlertSeverity.ALERT_SEVERITY_WARNING)).as("already changed").isFalse();
        Alert resolved = critical.toBuilder().setState(AlertState.ALERT_STATE_RESOLVED)
                .setResolveTime(critical.getUpdateTime()).build();
        assertThat(store.resolve(resolved)).isTrue();
        assertThat(store.resolve(resolved)).as("already resolved").isFalse();
        assertThat(store.fire(alert.toBuilder().setId(java.util.UUID.randomUUID().toString()).build()))
                .as("fires again once resolved").isTrue();
    }
}
