package com.finehero.server.platform;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.monitoring.v1.CacheStats;
import com.finehero.api.monitoring.v1.GetCacheStatsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.google.protobuf.FieldMask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis this test owns (never the shared one) is frozen with SIGSTOP while FineHero runs, so it
 * keeps its entries but answers nothing; a fine is changed meanwhile; then Redis is thawed. FineHero
 * must answer every read from the database while Redis is gone, report DEGRADED, never serve the
 * entry Redis kept from before the change, and go back to using Redis by itself.
 */
class RedisOutageTest {

    private static final Process REDIS = startRedis();
    private static final int REDIS_PORT = port(REDIS);

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.redis.address", "redis://127.0.0.1:" + REDIS_PORT)
            .with("finehero.redis.timeout", "PT0.2S")
            .with("finehero.redis.retry", "PT3S");

    private static int chosenPort;

    @AfterAll
    static void stopRedis() {
        REDIS.destroyForcibly();
    }

    @Test
    void survivesAFrozenRedisAndNeverServesWhatItMissed() throws Exception {
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
        Fine v1 = Fixtures.fine(APP, APP.channel(), "RO-1", "RO");
        GetFineRequest get = GetFineRequest.newBuilder().setFineId(v1.getId()).build();
        assertThat(fines.getFine(get)).isEqualTo(v1);
        long hitsBefore = finesStats().getHits();
        assertThat(fines.getFine(get)).isEqualTo(v1);
        assertThat(finesStats().getHits()).as("served from Redis").isEqualTo(hitsBefore + 1);

        signal("STOP");
        try {
            // this read times out on Redis (whose buffered command still runs later) and is served from the
            // database; FineHero now leaves Redis alone for the retry period...
            assertThat(fines.getFine(get)).isEqualTo(v1);
            // ...so this change never reaches Redis, which keeps the entry from before it
            Fine v2 = fines.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(v1.getId()).setVersion(v1.getVersion()).setOwnerId("new-owner"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("owner_id")).build());
            for (int i = 0; i < 5; i++) {
                assertThat(fines.getFine(get)).isEqualTo(v2);
            }
            assertThat(cache()).isEqualTo(HealthMonitor.Status.DEGRADED);
            assertThat(APP.get("/observe/health/ready").statusCode()).isEqualTo(200);
            // which Redis user meets the frozen Redis first (the token deny-list or the fines cache) depends
            // on their recheck timers; either way every later one leaves Redis alone for the retry period
        } finally {
            signal("CONT");
        }

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cache() == HealthMonitor.Status.UP);
        Fine latest = fines.getFine(get);
        assertThat(latest.getOwnerId()).as("the entry Redis kept from before the change is never served").isEqualTo("new-owner");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            long hits = finesStats().getHits();
            assertThat(fines.getFine(get).getOwnerId()).isEqualTo("new-owner");
            assertThat(finesStats().getHits()).as("reads come from Redis again").isGreaterThan(hits);
        });
    }

    /** The cache component's state (the overall state also depends on this busy machine's CPU). */
    private static HealthMonitor.Status cache() {
        return APP.app().health().checkNow().components().stream()
                .filter(c -> c.name().equals("cache")).findFirst().orElseThrow().status();
    }

    private static CacheStats finesStats() {
        return MonitoringServiceGrpc.newBlockingStub(APP.channel()).getCacheStats(GetCacheStatsRequest.getDefaultInstance())
                .getCachesList().stream().filter(c -> c.getName().equals("fines")).findFirst().orElseThrow();
    }

    private static void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(REDIS.pid())).inheritIO().start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    private static Process startRedis() {
        try (ServerSocket socket = new ServerSocket(0)) {
            chosenPort = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            Path dir = Files.createTempDirectory("finehero-redis");
            Process process = new ProcessBuilder("redis-server", "--port", Integer.toString(chosenPort),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            // also when the class fails to initialise and @AfterAll never runs
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            // a plain loop: this runs while the class initialises, where Awaitility's poller thread would block
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try (var socket = new java.net.Socket("127.0.0.1", chosenPort)) {
                    return process;
                } catch (IOException e) {
                    Thread.onSpinWait();
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("the test's redis-server did not start on port " + chosenPort);
        } catch (IOException e) {
            throw new IllegalStateException("this test starts its own redis-server; it must be on the PATH", e);
        }
    }

    private static int port(Process process) {
        return chosenPort;
    }
}
