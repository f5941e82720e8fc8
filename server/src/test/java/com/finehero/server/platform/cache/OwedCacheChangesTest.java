package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.finehero.server.testing.OwnRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.ByteArrayCodec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances share a Redis this test owns (it is frozen and killed, so never the shared one). Instance A
 * changes entries while Redis is unusable to it; instance B, which confirms every copy against Redis,
 * must never go on serving the version before the change once Redis answers again — whether or not
 * A reads anything afterwards.
 */
class OwedCacheChangesTest {

    private static final OwnRedis REDIS = OwnRedis.start();

    private RedisConnector connectorA;
    private RedisConnector connectorB;
    private RedisCacheRegion regionA;
    private RedisCacheRegion regionB;

    @BeforeEach
    void twoInstances() {
        String prefix = "fhtest-" + UUID.randomUUID();
        connectorA = connector(prefix);
        connectorB = connector(prefix);
        regionA = new RedisCacheRegion("fines", Duration.ofMinutes(10), connectorA, 100, Duration.ZERO, Clock.systemUTC());
        regionB = new RedisCacheRegion("fines", Duration.ofMinutes(10), connectorB, 100, Duration.ZERO, Clock.systemUTC());
    }

    @Test
    void aChangeInTheQuietPeriodAfterAFailureStillReachesRedis() {
        regionA.putIfNewer("k", 1, bytes("v1"));
        assertThat(regionB.get("k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("v1")));

        connectorA.failed(new IllegalStateException("one command timed out")); // A leaves Redis alone for a while
        assertThat(connectorA.available()).isEmpty();
        regionA.putIfNewer("k", 2, bytes("v2"));

        assertThat(regionB.get("k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("v2")));
    }

    @Test
    void aChangeThatFoundRedisGoneIsDeliveredOnceItIsBackWithoutAnotherReadOnThatInstance() {
        regionA.putIfNewer("k", 1, bytes("v1"));
        assertThat(regionB.get("k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("v1")));

        REDIS.kill();
        regionA.putIfNewer("k", 2, bytes("v2")); // fails, so the change is owed
        assertThat(regionA.get("k")).as("A reads what it owes from the database").isEmpty();
        REDIS.startServer(); // empty: only the owed change can bring v2 back

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(stored(connectorB, "k"))
                .hasValueSatisfying(v -> assertThat(Versioned.value(v)).isEqualTo(bytes("v2"))));
        assertThat(regionB.get("k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("v2")));
    }

    @Test
    void aDeletionRedisDidNotAnswerLeavesItsTombstoneOnceRedisAnswers() {
        regionA.putIfNewer("gone", 1, bytes("v1"));
        assertThat(regionB.get("gone")).isPresent();

        REDIS.freeze();
        try {
            regionA.markDeleted("gone");
        } finally {
            REDIS.thaw();
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(regionB.get("gone")).isEmpty());
        regionB.putIfNewer("gone", 1, bytes("late fill"));
        assertThat(regionB.get("gone")).as("a late fill of the deleted record").isEmpty();
    }

    @Test
    void aPageDependencyBumpInTheQuietPeriodStillReachesRedis() {
        RedisPageCache pagesA = new RedisPageCache("fine-pages", Duration.ofMinutes(10), connectorA);
        RedisPageCache pagesB = new RedisPageCache("fine-pages", Duration.ofMinutes(10), connectorB);
        PageCache.Lookup first = pagesB.lookup("page-1", "JUR-A");
        assertThat(first.page()).isEmpty();
        pagesB.put("page-1", first.stamp(), bytes("rows before"));
        assertThat(pagesB.lookup("page-1", "JUR-A").page()).isPresent();

        connectorA.failed(new IllegalStateException("one command timed out"));
        pagesA.invalidate(List.of("JUR-A"));

        assertThat(pagesB.lookup("page-1", "JUR-A").page()).as("a page listed before the change").isEmpty();
    }

    @AfterEach
    void close() {
        connectorB.available().ifPresent(c -> c.getKeys().deleteByPattern(connectorB.key("*")));
        connectorA.close();
        connectorB.close();
    }

    @AfterAll
    static void stopRedis() {
        REDIS.close();
    }

    private static RedisConnector connector(String prefix) {
        RedisConnector connector = new RedisConnector(new RedisConfig(REDIS.address(), "", 0, prefix,
                Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(30)), Clock.systemUTC());
        assertThat(connector.connectNow()).isTrue();
        return connector;
    }

    /** What Redis holds for {@code key}; empty too while the client has not reconnected after a restart. */
    private static Optional<byte[]> stored(RedisConnector connector, String key) {
        try {
            return connector.connected().map(c -> c.<byte[]>getBucket(connector.key("fines", key), ByteArrayCodec.INSTANCE).get());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
