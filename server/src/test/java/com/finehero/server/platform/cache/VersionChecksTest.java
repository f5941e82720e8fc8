package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.finehero.server.testing.OwnRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Version checks share round trips but never one sent before they began. On a Redis this test owns: it
 * is frozen to hold a round trip out, and its command counts are read.
 */
class VersionChecksTest {

    private static final OwnRedis REDIS = OwnRedis.start();

    private RedisConnector connector;
    private RedisConnector otherInstance;
    private VersionChecks checks;

    @BeforeEach
    void connect() {
        String prefix = "fhtest-" + UUID.randomUUID();
        connector = connector(prefix);
        otherInstance = connector(prefix);
        checks = new VersionChecks(connector);
    }

    @Test
    void checksThatArriveWhileARoundTripIsOutShareTheNextOneKeyByKey() throws Exception {
        write(otherInstance, "a", 1);
        write(otherInstance, "b", 7);
        long readsBefore = versionReads();
        long scriptsBefore = scriptsRun();
        CompletableFuture<byte[]> first;
        CompletableFuture<byte[]> secondA;
        CompletableFuture<byte[]> thirdA;
        CompletableFuture<byte[]> b;
        REDIS.freeze();
        try {
            first = checks.versionOf(key("a"));
            secondA = checks.versionOf(key("a"));
            thirdA = checks.versionOf(key("a"));
            b = checks.versionOf(key("b"));
            assertThat(secondA).as("checks of one key waiting for the next round trip share its reply").isSameAs(thirdA);
            assertThat(secondA).as("a check never joins the round trip already out").isNotSameAs(first);
            assertThat(b).isNotSameAs(secondA);
            assertThat(first).isNotDone();
            assertThat(secondA).isNotDone();
        } finally {
            REDIS.thaw();
        }
        assertThat(version(first)).isEqualTo(1);
        assertThat(version(thirdA)).isEqualTo(1);
        assertThat(version(b)).isEqualTo(7);
        assertThat(versionReads() - readsBefore).as("one command for the first check, one per key for the next round trip").isEqualTo(3);
        assertThat(scriptsRun() - scriptsBefore).as("a check is a plain GETRANGE, not a script").isZero();
    }

    @Test
    void aCheckAlwaysSeesEveryWriteThatFinishedBeforeItBegan() throws Exception {
        AtomicLong written = new AtomicLong(1);
        write(otherInstance, "hot", 1);
        AtomicBoolean stop = new AtomicBoolean();
        List<Long> stale = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong checked = new AtomicLong();
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                running.add(readers.submit(() -> {
                    while (!stop.get()) {
                        long atLeast = written.get();
                        long seen = version(checks.versionOf(key("hot")));
                        checked.incrementAndGet();
                        if (seen < atLeast) {
                            stale.add(atLeast - seen);
                        }
                    }
                    return null;
                }));
            }
            for (long v = 2; v <= 300; v++) {
                write(otherInstance, "hot", v);
                written.set(v);
            }
            stop.set(true);
            for (Future<?> reader : running) {
                reader.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(stale).as("checks that returned a version older than one written before they began").isEmpty();
        assertThat(checked.get()).as("checks made while the writes ran").isGreaterThan(300);
    }

    @Test
    void aMissingEntryAnswersWithNoVersion() throws Exception {
        assertThat(checks.versionOf(key("never-written")).get(5, TimeUnit.SECONDS)).isEmpty();
    }

    @AfterEach
    void close() {
        connector.available().ifPresent(c -> c.getKeys().deleteByPattern(connector.key("*")));
        connector.close();
        otherInstance.close();
    }

    @AfterAll
    static void stopRedis() {
        REDIS.close();
    }

    private String key(String name) {
        return connector.key("fines", name);
    }

    private static void write(RedisConnector instance, String name, long version) {
        instance.available().orElseThrow().getBucket(instance.key("fines", name), org.redisson.client.codec.ByteArrayCodec.INSTANCE)
                .set(Versioned.encode(version, "value".getBytes(StandardCharsets.UTF_8)));
    }

    private static long version(CompletableFuture<byte[]> reply) throws Exception {
        byte[] prefix = reply.get(10, TimeUnit.SECONDS);
        return Long.parseLong(new String(prefix, StandardCharsets.US_ASCII));
    }

    /** Version reads Redis has run since it started. */
    private static long versionReads() {
        return commandsRun("getrange");
    }

    /** Scripts Redis has run since it started, by any of the commands that run one. */
    private static long scriptsRun() {
        return commandsRun("eval") + commandsRun("evalsha") + commandsRun("eval_ro") + commandsRun("evalsha_ro");
    }

    private static long commandsRun(String command) {
        String stat = "cmdstat_" + command + ":";
        for (String line : REDIS.cli("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith(stat)) {
                return Long.parseLong(line.substring(stat.length()).replaceAll("^calls=(\\d+),.*", "$1"));
            }
        }
        return 0;
    }

    private static RedisConnector connector(String prefix) {
        RedisConnector connector = new RedisConnector(new RedisConfig(REDIS.address(), "", 0, prefix,
                Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)), Clock.systemUTC());
        assertThat(connector.connectNow()).isTrue();
        return connector;
    }
}
