package com.finehero.server.platform;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
import static org.awaitility.Awaitility.await;

/**
 * Stopping lets a call in flight finish: it is held on a row lock while the instance shuts down, and
 * close returns only after it. The instance refusing new connections shows the stop has begun.
 */
class GracefulShutdownTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @Test
    void callInFlightCompletesWhileTheInstanceStops() throws Exception {
        FineHeroApp instance = APP.startSibling();
        int port = instance.port();
        // not the common pool: with two cores it has one thread, and close would queue behind the call
        try (FineHeroClient client = APP.clientFor(instance);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Fine fine = Fixtures.fine(APP, client.channel(), "GS-1", "GS");
            CompletableFuture<Fine> contest;
            CompletableFuture<Void> stopped;
            try (Fixtures.HeldRowLock lock = new Fixtures.HeldRowLock(APP, fine.getId())) {
                contest = CompletableFuture.supplyAsync(() -> client.fines().contestFine(ContestFineRequest.newBuilder()
                        .setFineId(fine.getId()).setReason("Stopped while contesting, should still finish.").build()), threads);
                lock.awaitWaiter();
                stopped = CompletableFuture.runAsync(instance::close, threads);
                await().atMost(Duration.ofSeconds(10)).until(() -> !acceptsConnections(port));
                // that close does not return can only be seen over a while: it stays blocked while the call is held
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                        .until(() -> !stopped.isDone());
            }
            assertThat(contest.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
            stopped.get(15, TimeUnit.SECONDS);
        } finally {
            instance.close();
        }
    }

    private static boolean acceptsConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
