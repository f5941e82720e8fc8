package com.finehero.server.platform;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.OwnRedisTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two FineHero instances on a three-master Redis Cluster of the test's own. Every key FineHero uses and
 * every script it runs must be served by the cluster: a script touching keys of two slots, or a key it
 * did not declare, is refused by Redis (CROSSSLOT, non-local key), which FineHero would survive by
 * falling back to the database, so the test asserts no cache command failed at all, the caches were
 * hit, and rate limits, locks, topics and revocations are shared. Figures: {@code target/scaleout/redis-cluster.json}.
 */
@Tag("scaleout")
class RedisClusterTest {

    static final OwnRedisTopology REDIS = OwnRedisTopology.cluster();

    @RegisterExtension
    static final FineHeroExtension APP = RedisSentinelFailoverTest.withAll(FineHeroExtension.on(Backend.POSTGRES_REDIS), REDIS.settings());

    @AfterAll
    static void stopRedis() {
        REDIS.close();
    }

    @Test
    void everyCacheCommandAndSharedMechanismWorksAcrossTheCluster() throws Exception {
        try (SharedRedisProbes probes = new SharedRedisProbes(APP)) {
            probes.all().forEach((name, probe) -> assertThat(probe.getAsBoolean())
                    .as("%s shared through the cluster (%s)", name, probes.lastRevocationFailure()).isTrue());
            FinesServiceGrpc.FinesServiceBlockingStub fines = APP.client().fines();
            for (int i = 0; i < 5; i++) {
                fines.listFines(ListFinesRequest.newBuilder().setPageSize(5).build());
            }
            SharedRedisProbes.ReadLoad load = probes.readLoad(40);
            try {
                SharedRedisProbes.sleep(3_000);
            } finally {
                load.close();
            }
            String metrics = APP.get("/observe/metrics").body();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("scenario", "three-master cluster, 40 GetFine/s on two instances for 3 s");
            figures.put("recorded", Instant.now().toString());
            figures.put("load_average", SharedRedisProbes.loadAverage());
            figures.put("reads", load.calls());
            figures.put("failed_reads", load.failures().size());
            figures.put("read_p99_ms", load.p99Millis());
            figures.put("cache_hits", sum(metrics, "finehero_cache_hits"));
            figures.put("cache_errors", sum(metrics, "finehero_cache_errors"));
            figures.put("keys_per_master", REDIS.servers().stream().map(s -> s.keys()).toList());
            RedisSentinelFailoverTest.write("redis-cluster.json", figures);

            assertThat(load.failures()).as("failed reads of %s", load.calls()).isEmpty();
            assertThat(sum(metrics, "finehero_cache_errors")).as("cache commands the cluster refused or failed").isZero();
            assertThat(sum(metrics, "finehero_cache_hits")).as("cache hits").isPositive();
            assertThat(REDIS.servers()).as("keys spread over the masters").allSatisfy(s -> assertThat(s.keys()).isPositive());
        }
    }

    /** The sum of a counter over its tags in Prometheus text (the _total series). */
    private static double sum(String metrics, String name) {
        Matcher line = Pattern.compile("^" + name + "(?:_total)?\\{[^}]*} ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(metrics);
        double total = 0;
        while (line.find()) {
            total += Double.parseDouble(line.group(1));
        }
        return total;
    }
}
