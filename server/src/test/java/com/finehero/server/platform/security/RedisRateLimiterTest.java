package com.finehero.server.platform.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Shared buckets against the Redis on this machine: a call takes its token locally, the instance settles
 * with Redis in the background, and the other instances see it. The clock stands still, so nothing refills.
 */
class RedisRateLimiterTest {

    private static final Duration NEVER_BY_TIME = Duration.ofHours(1);

    private final SettableClock clock = new SettableClock();
    private final String prefix = "fhtest-" + UUID.randomUUID();
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private RedisConnector probeConnection;

    @BeforeEach
    void redisIsThere() {
        Backend.POSTGRES_REDIS.isolate(); // fails loudly when Redis is unreachable
        probeConnection = connector();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closeLast.size() - 1; i >= 0; i--) {
            closeLast.get(i).close();
        }
    }

    @Test
    void callsTakeTokensLocallyUntilTwoPercentOfTheLimitThenSettleInTheBackground() {
        RedisRateLimiter instance = limiter(NEVER_BY_TIME);
        instance.tryTake("caller", 1000); // a bucket's first call reads it from Redis
        for (int i = 0; i < 18; i++) {
            assertThat(instance.tryTake("caller", 1000).allowed()).isTrue();
        }
        assertThat(inRedis("caller", 1000)).as("18 calls taken locally are not in Redis yet").isEqualTo(999);

        instance.tryTake("caller", 1000); // the 20th token since the bucket was made: settle
        await().atMost(Duration.ofSeconds(10)).until(() -> inRedis("caller", 1000) == 980);
    }

    @Test
    void anotherInstanceSeesWhatThisOneSettledAndStopsAtTheSharedLimit() {
        RedisRateLimiter here = limiter(NEVER_BY_TIME);
        RedisRateLimiter there = limiter(NEVER_BY_TIME);
        for (int i = 0; i < 30; i++) {
            assertThat(here.tryTake("caller", 40).allowed()).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> inRedis("caller", 40) == 10);

        for (int i = 0; i < 10; i++) {
            assertThat(there.tryTake("caller", 40).allowed()).as("call %d there", i + 1).isTrue();
        }
        RateLimiter.Decision refused = there.tryTake("caller", 40);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfter()).isPositive();
    }

    @Test
    void aBucketSettlesOnTimeWhenFewCallsCome() {
        RedisRateLimiter instance = limiter(Duration.ofMillis(250));
        instance.tryTake("caller", 200); // settles every 4 tokens, or every 250 ms
        instance.tryTake("caller", 200);
        assertThat(inRedis("caller", 200)).isEqualTo(199);

        clock.advance(Duration.ofMillis(250)); // refills less than one token
        instance.tryTake("caller", 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> inRedis("caller", 200) == 197);
    }

    @Test
    void closingSettlesWhatWasTakenSoARestartDoesNotHandOutAFreshAllowance() throws Exception {
        RedisRateLimiter instance = new RedisRateLimiter(connector(), clock, NEVER_BY_TIME);
        for (int i = 0; i < 5; i++) {
            instance.tryTake("caller", 1000);
        }
        assertThat(inRedis("caller", 1000)).isEqualTo(999);

        instance.close();
        assertThat(inRedis("caller", 1000)).isEqualTo(995);
    }

    @Test
    void aCallThatOutlivesShutdownIsStillAnsweredAndRedisIsNotBlamed() throws Exception {
        RedisConnector redis = connector();
        RedisRateLimiter instance = new RedisRateLimiter(redis, clock, Duration.ZERO);
        instance.tryTake("caller", 1000);
        instance.close();

        assertThat(instance.tryTake("caller", 1000).allowed()).isTrue();
        assertThat(redis.state()).isEqualTo(RedisConnector.State.UP);
    }

    private RedisRateLimiter limiter(Duration syncEvery) {
        RedisRateLimiter limiter = new RedisRateLimiter(connector(), clock, syncEvery);
        closeLast.add(limiter);
        return limiter;
    }

    private RedisConnector connector() {
        RedisConnector connector = new RedisConnector(new RedisConfig(Backend.redisAddress(), "", 0, prefix,
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1)), clock);
        assertThat(connector.connectNow()).isTrue();
        closeLast.add(0, connector); // closed after the limiters that use it
        return connector;
    }

    private long inRedis(String bucket, long perMinute) {
        return RedisBuckets.available(probeConnection, clock, bucket, perMinute);
    }
}
