package com.finehero.server.platform;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping lets a call in flight finish: it is held on a row lock while the instance shuts down. */
class GracefulShutdownTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Test
    void callInFlightCompletesWhileTheInstanceStops() throws Exception {
        FineHeroApp instance = APP.startSibling();
        try (FineHeroClient client = APP.clientFor(instance)) {
            Fine fine = Fixtures.fine(APP, client.channel(), "GS-1", "GS");
            CompletableFuture<Fine> contest;
            CompletableFuture<Void> stopped;
            try (Fixtures.HeldRowLock lock = new Fixtures.HeldRowLock(APP, fine.getId())) {
                contest = CompletableFuture.supplyAsync(() -> client.fines().contestFine(ContestFineRequest.newBuilder()
                        .setFineId(fine.getId()).setReason("Stopped while contesting, should still finish.").build()));
                lock.awaitWaiter();
                stopped = CompletableFuture.runAsync(instance::close);
                Thread.sleep(300); // the instance is stopping while the call waits
                assertThat(stopped).as("close waits for the call in flight").isNotDone();
            }
            assertThat(contest.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
            stopped.get(15, TimeUnit.SECONDS);
        } finally {
            instance.close();
        }
    }
}
