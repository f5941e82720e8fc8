package com.finehero.server.monitoring;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertEvent;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.api.monitoring.v1.ListAlertsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.WatchAlertsRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import io.grpc.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances sharing PostgreSQL and Redis: only one evaluates at a time (the Redisson lock), only
 * one per interval (the claim in the database), each change is recorded once, and a watcher on one
 * instance hears changes recorded by the other. The disk rule is set to fire on any disk (warn 0).
 */
class AlertsAcrossInstancesTest {

    private static final Duration INTERVAL = Duration.ofHours(1);

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.monitoring.alerts.interval", "PT1H")
            .with("finehero.monitoring.alerts.cpu.enabled", "false")
            .with("finehero.monitoring.alerts.memory.enabled", "false")
            .with("finehero.monitoring.alerts.disk.warn", "0")
            .with("finehero.monitoring.alerts.disk.critical", "100");

    private static FineHeroApp sibling;
    private static FineHeroClient siblingClient;

    @BeforeAll
    static void startSibling() {
        sibling = APP.startSibling();
        siblingClient = APP.clientFor(sibling);
    }

    @AfterAll
    static void stopSibling() {
        siblingClient.close();
        sibling.close();
    }

    /**
     * The disk rule fires at every evaluation that finds it quiet, and nothing makes it quiet again: each
     * test starts with no alert recorded, so each sees the disk alert fire for the first time.
     */
    @BeforeEach
    void noAlertsRecorded() throws SQLException {
        String schema = APP.config().get("finehero.db.schema").asString().get();
        try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
             Statement delete = connection.createStatement()) {
            delete.executeUpdate("DELETE FROM " + schema + ".alerts");
        }
    }

    @Test
    void oneInstanceRecordsEachChangeAndEveryWatcherHearsIt() throws Exception {
        APP.clock().advance(INTERVAL);
        try (Context.CancellableContext watch = Context.current().withCancellation()) {
            Iterator<AlertEvent> onSibling = watch.call(() -> MonitoringServiceGrpc.newBlockingStub(siblingClient.channel())
                    .watchAlerts(WatchAlertsRequest.newBuilder().setRule("disk").build()));
            assertThat(onSibling.next().getFiringList()).isEmpty();

            List<AlertEvaluator.Evaluation> evaluations = raceBothInstances(4);
            assertThat(evaluations).filteredOn(e -> e.outcome() == AlertEvaluator.Outcome.EVALUATED)
                    .as("one evaluation in this interval across both instances").hasSize(1);
            assertThat(evaluations).flatExtracting(AlertEvaluator.Evaluation::changes).filteredOn(a -> a.getRule().equals("disk"))
                    .as("the disk alert fired once").hasSize(1);

            Alert heard = onSibling.next().getAlert();
            assertThat(heard.getRule()).isEqualTo("disk");
            assertThat(heard.getState()).isEqualTo(AlertState.ALERT_STATE_FIRING);
        }
        assertThat(MonitoringServiceGrpc.newBlockingStub(siblingClient.channel()).listAlerts(ListAlertsRequest.newBuilder()
                .setRule("disk").build()).getAlertsList()).as("shared by both instances").hasSize(1);

        APP.clock().advance(INTERVAL);
        assertThat(raceBothInstances(4)).flatExtracting(AlertEvaluator.Evaluation::changes)
                .as("still firing: nothing new to record").isEmpty();
        assertThat(MonitoringServiceGrpc.newBlockingStub(APP.channel()).listAlerts(ListAlertsRequest.newBuilder()
                .setRule("disk").build()).getAlertsList()).hasSize(1);
    }

    @Test
    void whileTheLockIsHeldElsewhereNobodyEvaluates() {
        APP.clock().advance(INTERVAL);
        org.redisson.config.Config config = new org.redisson.config.Config();
        config.useSingleServer().setAddress(Backend.redisAddress());
        RedissonClient other = Redisson.create(config);
        try {
            String prefix = APP.config().get("finehero.redis.prefix").asString().get();
            RLock lock = other.getLock(prefix + ":lock:alert-evaluator");
            assertThat(lock.tryLock()).isTrue();
            try {
                assertThat(APP.app().alerts().evaluator().evaluateNow().outcome()).isEqualTo(AlertEvaluator.Outcome.BUSY);
                assertThat(sibling.alerts().evaluator().evaluateNow().outcome()).isEqualTo(AlertEvaluator.Outcome.BUSY);
            } finally {
                lock.unlock();
            }
            assertThat(sibling.alerts().evaluator().evaluateNow().outcome()).isEqualTo(AlertEvaluator.Outcome.EVALUATED);
        } finally {
            other.shutdown();
        }
    }

    /** Both instances evaluate from {@code threads} threads each, released together. */
    private static List<AlertEvaluator.Evaluation> raceBothInstances(int threads) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads * 2);
        ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
        try {
            List<Future<AlertEvaluator.Evaluation>> results = new ArrayList<>();
            for (int i = 0; i < threads * 2; i++) {
                FineHeroApp app = i % 2 == 0 ? APP.app() : sibling;
                Callable<AlertEvaluator.Evaluation> evaluate = () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return app.alerts().evaluator().evaluateNow();
                };
                results.add(pool.submit(evaluate));
            }
            List<AlertEvaluator.Evaluation> evaluations = new ArrayList<>();
            for (Future<AlertEvaluator.Evaluation> result : results) {
                evaluations.add(result.get(30, TimeUnit.SECONDS));
            }
            return evaluations;
        } finally {
            pool.shutdownNow();
        }
    }
}
