package com.finehero.server.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.OwnRedis;
import com.finehero.server.testing.OwnRedisTopology;
import com.google.gson.GsonBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two FineHero instances on Redis Sentinel (a master, a replica, three sentinels of the test's own)
 * and the machine's PostgreSQL. Under a fixed-rate GetFine load the master is SIGKILLed; the sentinels
 * promote the replica and Redisson follows. Asserted: no read fails (the caches serve from the database
 * meanwhile), and shared rate limits, locks, topics and revocations work through Redis again within
 * 10 s of the kill. The figures go to {@code target/scaleout/redis-sentinel.json}.
 */
@Tag("scaleout")
class RedisSentinelFailoverTest {

    static final int RATE = 40;
    static final Duration RESUME_WITHIN = Duration.ofSeconds(10);

    static final OwnRedisTopology REDIS = OwnRedisTopology.sentinel();

    @RegisterExtension
    static final FineHeroExtension APP = withAll(FineHeroExtension.on(Backend.POSTGRES_REDIS), REDIS.settings());

    @AfterAll
    static void stopRedis() {
        REDIS.close();
    }

    @Test
    void masterKilledUnderReadLoadLosesNoReadAndSharingResumesWithin10Seconds() throws Exception {
        try (SharedRedisProbes probes = new SharedRedisProbes(APP)) {
            String loadBefore = SharedRedisProbes.loadAverage();
            probes.all().forEach((name, probe) -> assertThat(probe.getAsBoolean())
                    .as("%s shared through Redis before the failover (%s)", name, probes.lastRevocationFailure()).isTrue());

            int oldMaster = REDIS.masterPort();
            OwnRedis master = REDIS.server(oldMaster);
            Map<String, Double> resumed;
            long killedAt;
            int newMaster;
            double promotedAfter;
            SharedRedisProbes.ReadLoad load = probes.readLoad(RATE);
            try {
                SharedRedisProbes.sleep(2_000);
                killedAt = System.nanoTime();
                master.kill();
                newMaster = REDIS.awaitNewMaster(oldMaster);
                promotedAfter = Math.round((System.nanoTime() - killedAt) / 1e7) / 100.0;
                resumed = probes.awaitAll(killedAt, Duration.ofSeconds(20));
                SharedRedisProbes.sleep(2_000);
            } finally {
                load.close();
            }

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("scenario", "sentinel master SIGKILLed under " + RATE + " GetFine/s on two instances");
            figures.put("recorded", Instant.now().toString());
            figures.put("load_average_before", loadBefore);
            figures.put("load_average_after", SharedRedisProbes.loadAverage());
            figures.put("new_master_after_seconds", promotedAfter);
            figures.put("resumed_after_seconds", resumed);
            figures.put("reads", load.calls());
            figures.put("failed_reads", load.failures().size());
            figures.put("read_p99_ms", load.p99Millis());
            write("redis-sentinel.json", figures);

            assertThat(newMaster).isNotEqualTo(oldMaster);
            assertThat(load.failures()).as("failed reads of %s", load.calls()).isEmpty();
            assertThat(resumed).as("seconds from the kill until each shared mechanism worked through Redis again")
                    .allSatisfy((name, seconds) -> assertThat(seconds).as(name).isBetween(0.0, (double) RESUME_WITHIN.toSeconds()));
        }
    }

    static FineHeroExtension withAll(FineHeroExtension extension, Map<String, String> settings) {
        settings.forEach(extension::with);
        return extension;
    }

    static void write(String name, Map<String, Object> figures) throws IOException {
        Path directory = Files.createDirectories(Path.of("target", "scaleout"));
        Files.writeString(directory.resolve(name), new GsonBuilder().setPrettyPrinting().create().toJson(figures) + "\n");
    }
}
