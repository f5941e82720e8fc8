package com.finehero.server.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import com.finehero.api.auth.v1.RevokeUserTokensRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.lock.ClusterLock;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RedisRateLimiter;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.TestSession;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What two FineHero instances share through Redis, each checked the way the instances use it: a rate
 * limit (one instance's takings refuse the other), a lock (held by one, refused to the other), a topic
 * (published by one, heard by the other), a revocation (made on one instance, refused on the other).
 * The first three run the platform's own classes on two {@link RedisConnector}s of the test, standing
 * for two instances; revocations go through the API of the two FineHero instances. Plus a fixed-rate
 * GetFine load on both instances that counts every failed read.
 *
 * <p>Each probe answers true only if the sharing really went through Redis: a probe on an instance that
 * fell back to its own process answers false, so {@link #awaitAll} measures when sharing resumed.
 */
final class SharedRedisProbes implements AutoCloseable {

    private final FineHeroExtension app;
    private final FineHeroApp sibling;
    private final FineHeroClient siblingClient;
    private final RedisConnector first;
    private final RedisConnector second;
    private final RedisRateLimiter firstLimiter;
    private final RedisRateLimiter secondLimiter;
    private final BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    private final List<TestSession> users = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong serial = new AtomicLong();
    private final List<Fine> fines = new ArrayList<>();
    private volatile String lastRevocation = "";

    SharedRedisProbes(FineHeroExtension app) {
        this.app = app;
        this.sibling = app.startSibling();
        this.siblingClient = app.clientFor(sibling);
        RedisConfig config = RedisConfig.from(app.config().get("finehero.redis"));
        this.first = new RedisConnector(config, Clock.systemUTC());
        this.second = new RedisConnector(config, Clock.systemUTC());
        assertThat(first.connectNow()).as("first probe connector reaches %s", config.describe()).isTrue();
        assertThat(second.connectNow()).as("second probe connector reaches %s", config.describe()).isTrue();
        this.firstLimiter = new RedisRateLimiter(first, Clock.systemUTC(), Duration.ofMillis(100));
        this.secondLimiter = new RedisRateLimiter(second, Clock.systemUTC(), Duration.ofMillis(100));
        first.available().orElseThrow().getTopic(first.key("probe", "topic"), StringCodec.INSTANCE)
                .addListener(String.class, (channel, message) -> heard.add(message));
        for (int i = 0; i < 10; i++) {
            fines.add(Fixtures.fine(app, app.channel(), "HA-" + System.nanoTime() + "-" + i, "HA"));
        }
        for (int i = 0; i < 8; i++) {
            users.add(app.userWith(Role.ROLE_VIEWER));
        }
    }

    /** The probes by name, in the order {@link #awaitAll} tries them. */
    Map<String, BooleanSupplier> all() {
        Map<String, BooleanSupplier> probes = new LinkedHashMap<>();
        probes.put("rate-limit", this::rateLimitShared);
        probes.put("lock", this::lockShared);
        probes.put("topic", this::topicShared);
        probes.put("revocation", this::revocationShared);
        return probes;
    }

    /**
     * Tries each probe, all at once on threads of their own, until it has succeeded once or {@code within}
     * has passed since {@code since} (nanoTime); returns each probe's seconds from {@code since} to its
     * first success (-1: never).
     */
    Map<String, Double> awaitAll(long since, Duration within) throws InterruptedException {
        Map<String, Double> resumed = new java.util.concurrent.ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        all().forEach((name, probe) -> threads.add(Thread.ofVirtual().name("probe-" + name).start(() -> {
            double seconds = -1;
            while (System.nanoTime() - since < within.toNanos()) {
                if (probe.getAsBoolean()) {
                    seconds = Math.round((System.nanoTime() - since) / 1e7) / 100.0;
                    break;
                }
                sleep(100);
            }
            resumed.put(name, seconds);
        })));
        for (Thread thread : threads) {
            thread.join();
        }
        Map<String, Double> ordered = new LinkedHashMap<>();
        all().keySet().forEach(name -> ordered.put(name, resumed.get(name)));
        return ordered;
    }

    /** A limit of one call a minute: the first instance takes it, and the second must then be refused. */
    boolean rateLimitShared() {
        String bucket = "ha-probe-" + serial.incrementAndGet();
        if (first.available().isEmpty() || second.available().isEmpty()) {
            return false;
        }
        if (!firstLimiter.tryTake(bucket, 1).allowed()) {
            return false;
        }
        sleep(300); // the first instance settles its taking with Redis in the background
        RateLimiter.Decision other = secondLimiter.tryTake(bucket, 1);
        // a refusal can only come from Redis: the second instance's own copy of a new bucket is full
        return !other.allowed();
    }

    /** The first instance takes a lock; the second must be refused it. */
    boolean lockShared() {
        String name = "ha-probe-" + serial.incrementAndGet();
        Optional<ClusterLock.Held> held = ClusterLock.create(first, name, Duration.ofSeconds(30)).tryAcquire();
        if (held.isEmpty()) {
            return false;
        }
        try {
            Optional<ClusterLock.Held> other = ClusterLock.create(second, name, Duration.ofSeconds(30)).tryAcquire();
            other.ifPresent(ClusterLock.Held::close);
            // both hold it only if at least one fell back to its own process
            return other.isEmpty() && first.available().isPresent() && second.available().isPresent();
        } finally {
            held.get().close();
        }
    }

    /** The second instance publishes; the first, subscribed since before any fault, must hear it. */
    boolean topicShared() {
        Optional<RedissonClient> client = second.available();
        if (client.isEmpty()) {
            return false;
        }
        String message = "m" + serial.incrementAndGet();
        try {
            RTopic topic = client.get().getTopic(second.key("probe", "topic"), StringCodec.INSTANCE);
            topic.publish(message);
        } catch (RuntimeException e) {
            second.failed(e);
            return false;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < deadline) {
            try {
                String got = heard.poll(50, TimeUnit.MILLISECONDS);
                if (message.equals(got)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** An admin revokes a user's tokens on one instance; the user's token must be refused on the other. */
    boolean revocationShared() {
        if (users.isEmpty()) {
            users.add(app.userWith(Role.ROLE_VIEWER));
        }
        TestSession user = users.removeFirst();
        String token = user.accessToken();
        int before = listFinesOnSibling(token);
        if (before != 200) {
            lastRevocation = "the user's token got HTTP " + before + " on the other instance before the revocation";
            return false;
        }
        try {
            app.client().auth().withDeadlineAfter(2, TimeUnit.SECONDS)
                    .revokeUserTokens(RevokeUserTokensRequest.newBuilder().setUserId(user.userId()).build());
        } catch (io.grpc.StatusRuntimeException e) {
            lastRevocation = "revoking: " + e.getStatus();
            return false; // UNAVAILABLE while Redis cannot take the revocation: it was not made
        }
        // the sibling re-reads a token's entry at most every finehero.auth.revocation-check (2 s)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            int after = listFinesOnSibling(token);
            if (after == 401) {
                return true;
            }
            lastRevocation = "the revoked token still got HTTP " + after + " on the other instance";
            sleep(100);
        }
        return false;
    }

    /** Why the revocation probe last failed, for an assertion's message. */
    String lastRevocationFailure() {
        return lastRevocation;
    }

    private int listFinesOnSibling(String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sibling.port() + "/v1/fines?page_size=1"))
                    .header("authorization", "Bearer " + token).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** GetFine at a fixed rate, alternating between the two instances, each call with a 1 s deadline. */
    ReadLoad readLoad(int perSecond) {
        return new ReadLoad(perSecond);
    }

    final class ReadLoad implements AutoCloseable {
        private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        private final ConcurrentLinkedQueue<Long> latenciesMicros = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicLong calls = new AtomicLong();

        private ReadLoad(int perSecond) {
            List<FinesServiceGrpc.FinesServiceBlockingStub> stubs = List.of(app.client().fines(), siblingClient.fines());
            ticker.scheduleAtFixedRate(() -> {
                long n = calls.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    Fine fine = fines.get((int) (n % fines.size()));
                    long start = System.nanoTime();
                    try {
                        Fine got = stubs.get((int) (n % 2)).withDeadlineAfter(1, TimeUnit.SECONDS)
                                .getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
                        if (!got.getId().equals(fine.getId())) {
                            failures.add("wrong fine " + got.getId());
                        }
                        latenciesMicros.add((System.nanoTime() - start) / 1_000);
                    } catch (RuntimeException e) {
                        failures.add(e.getMessage());
                    }
                });
            }, 0, 1_000_000 / perSecond, TimeUnit.MICROSECONDS);
        }

        long calls() {
            return calls.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        double p99Millis() {
            List<Long> sorted = latenciesMicros.stream().sorted().toList();
            return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1000.0;
        }

        @Override
        public void close() {
            ticker.shutdownNow();
            sleep(1_200); // calls in flight end within their deadline
        }
    }

    @Override
    public void close() throws InterruptedException {
        firstLimiter.close();
        secondLimiter.close();
        first.close();
        second.close();
        siblingClient.close();
        sibling.close();
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
