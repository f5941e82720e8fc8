package com.finehero.server.platform.observe;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.monitoring.v1.ListSlowQueriesRequest;
import com.finehero.api.monitoring.v1.ListSlowQueriesResponse;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.SlowQuery;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** A statement really made slow (it waits on a row lock the test holds) is captured and reported. */
class SlowQueriesTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.db.slow", "PT0.1S");

    private static final Duration HELD = Duration.ofMillis(300);

    @Test
    void aStatementWaitingOnALockIsReportedAsSlow() throws Exception {
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
        Fine fine = Fixtures.fine(APP, APP.channel(), "SQ-1", "SQ");
        CompletableFuture<Fine> contest;
        try (Fixtures.HeldRowLock lock = new Fixtures.HeldRowLock(APP, fine.getId())) {
            contest = CompletableFuture.supplyAsync(() -> fines.contestFine(ContestFineRequest.newBuilder()
                    .setFineId(fine.getId()).setReason("The signs were missing that week.").build()));
            lock.awaitWaiterFor(HELD); // holding the lock is what makes the app's statement slow
        }
        assertThat(contest.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);

        ListSlowQueriesResponse slow = MonitoringServiceGrpc.newBlockingStub(APP.channel())
                .listSlowQueries(ListSlowQueriesRequest.getDefaultInstance());
        assertThat(slow.getThresholdMs()).isEqualTo(100.0);
        SlowQuery lockWait = slow.getQueriesList().stream()
                .filter(q -> q.getStatement().equals("SELECT id FROM fines WHERE id = ? FOR UPDATE"))
                .findFirst().orElseThrow(() -> new AssertionError("not reported: " + slow));
        assertThat(lockWait.getSlowestMs()).isGreaterThanOrEqualTo((double) HELD.toMillis());
        assertThat(lockWait.getCount()).isEqualTo(1);
    }
}
