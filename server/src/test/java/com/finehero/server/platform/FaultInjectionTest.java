package com.finehero.server.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.PayFineResponse;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.ChildServer;
import com.finehero.server.testing.OwnPostgres;
import com.finehero.server.testing.OwnRedis;
import com.finehero.server.testing.TcpProxy;
import com.finehero.server.testing.TestKeys;
import com.google.gson.GsonBuilder;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reliability suite: two FineHero servers (child JVMs) on a PostgreSQL and a Redis of the test's
 * own, the database behind a {@link TcpProxy}, under a fixed-rate mixed gRPC load (GetFine, ListFines,
 * CreateFine, UpdateFine, PayFine, each with a deadline) while one fault at a time is injected. For
 * each scenario it records the calls, failures by status code, p99 and max latency, when readiness
 * changed and recovered, and checks in the database that every write acknowledged OK is there.
 *
 * <p>Asserted per scenario: no acknowledged write missing; no INTERNAL or UNKNOWN answer; no failed
 * read while Redis is faulty. Recorded, not asserted, being a latency target: during a database outage
 * every call answered within 100 ms once the circuit breaker is open (readiness 503), except calls
 * already in flight when it opened.
 *
 * <p>Run with {@code ./mvnw -B -o -pl server -am verify -Pfaults} (or {@code src/bench/faults.sh});
 * the figures go to {@code finehero.faults.results} (default {@code target/faults/faults.json}).
 */
@Tag("faults")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionTest {

    static final int RATE = Integer.getInteger("finehero.faults.rate", 20);
    static final Duration READ_DEADLINE = Duration.ofMillis(1_000);
    static final Duration WRITE_DEADLINE = Duration.ofMillis(2_000);
    static final Duration BEFORE = Duration.ofSeconds(3);
    static final Duration AFTER = Duration.ofSeconds(5);
    static final long BREAKER_ANSWER_MILLIS = 100;

    static OwnPostgres pg;
    static OwnRedis redis;
    static TcpProxy proxy;
    static final List<Instance> INSTANCES = new ArrayList<>();
    static final List<Map<String, Object>> RESULTS = new CopyOnWriteArrayList<>();
    static final String STARTED = Instant.now().toString();
    static final String LOAD_AT_START = SharedRedisProbes.loadAverage();

    // what the load knows: acknowledged writes, and fines free for one writer at a time
    static final Map<String, Fine> CREATED = new java.util.concurrent.ConcurrentHashMap<>();
    static final Map<String, Fine> UPDATED = new java.util.concurrent.ConcurrentHashMap<>();
    static final Map<String, String> PAID = new java.util.concurrent.ConcurrentHashMap<>();
    static final ConcurrentLinkedQueue<Fine> IDLE = new ConcurrentLinkedQueue<>();
    static final AtomicLong SERIAL = new AtomicLong();

    record Instance(String name, ChildServer server, FineHeroClient client) {
    }

    @BeforeAll
    static void startEverything() throws IOException {
        Path logs = Files.createDirectories(Path.of("target", "faults"));
        pg = OwnPostgres.start();
        redis = OwnRedis.start();
        proxy = TcpProxy.to(pg.port());
        for (String name : List.of("a", "b")) {
            ChildServer server = ChildServer.builder(name, logs)
                    .env("FINEHERO_DB_URL", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres")
                    .env("FINEHERO_DB_USER", pg.user())
                    .env("FINEHERO_REDIS_ADDRESS", redis.address())
                    .env("FINEHERO_AUTH_JWT_KEYS", TestKeys.JWK_SET)
                    .env("FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_PASSWORD", "faults-admin-password")
                    .env("FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_MUST_dash_CHANGE_dash_PASSWORD", "false")
                    .env("FINEHERO_AUTH_BCRYPT_dash_COST", "4")
                    .env("FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_ADDRESS", "100000000")
                    .env("FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_IDENTITY", "100000000")
                    .env("FINEHERO_SECURITY_RATE_dash_LIMITS_GLOBAL", "100000000")
                    .env("FINEHERO_TASKS_SCHEDULES_OVERDUE_dash_SWEEP", "")
                    .env("FINEHERO_MONITORING_ALERTS_ENABLED", "false")
                    .start();
            server.awaitReady(); // one at a time: the first one migrates
            FineHeroClient client = FineHeroClient.builder().target("127.0.0.1", server.port())
                    .credentials("admin", "faults-admin-password").maxAttempts(1).deadline(Duration.ofSeconds(20)).build();
            INSTANCES.add(new Instance(name, server, client));
        }
        for (int i = 0; i < 40; i++) {
            FinesServiceGrpc.FinesServiceBlockingStub fines = INSTANCES.get(i % 2).client().fines();
            // the first call of each client also logs in, which takes seconds on a busy machine
            Fine fine = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> fines.withDeadlineAfter(20, TimeUnit.SECONDS).createFine(createRequest()), f -> true);
            CREATED.put(fine.getId(), fine);
            IDLE.add(fine);
        }
        // fresh JVMs answer slowly until the JIT has compiled the hot paths: warm up before measuring
        Load warmUp = new Load();
        warmUp.start();
        sleep(Duration.ofSeconds(15));
        warmUp.stop();
    }

    @AfterAll
    static void stopEverything() throws IOException {
        writeResults();
        for (Instance instance : INSTANCES) {
            instance.client().close();
            instance.server().close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    @Order(1)
    void redisKilled() {
        Report report = run("redis-killed", "Redis SIGKILLed, started again (empty) after 10 s", () -> {
            redis.kill();
            sleep(Duration.ofSeconds(10));
            redis.startServer();
        });
        report.assertCommonTargets();
        report.assertNoFailedReads();
    }

    @Test
    @Order(2)
    void redisFrozen() {
        Report report = run("redis-frozen", "Redis SIGSTOPped for 10 s, then SIGCONT", () -> {
            redis.freeze();
            sleep(Duration.ofSeconds(10));
            redis.thaw();
        });
        report.assertCommonTargets();
        report.assertNoFailedReads();
    }

    @Test
    @Order(3)
    void redisRestartedEmpty() {
        Report report = run("redis-restarted-empty", "Redis SIGKILLed and started again at once, every key gone",
                () -> redis.restartEmpty());
        report.assertCommonTargets();
        report.assertNoFailedReads();
    }

    @Test
    @Order(4)
    void postgresStopped() {
        Report report = run("postgres-stopped", "PostgreSQL stopped (-m fast) for 10 s, then started",
                () -> pg.stopFor(Duration.ofSeconds(10)));
        report.assertCommonTargets();
    }

    @Test
    @Order(5)
    void postgresCrashRestart() {
        Report report = run("postgres-immediate-restart", "PostgreSQL stopped -m immediate (a crash) and started at once",
                () -> pg.restartImmediately());
        report.assertCommonTargets();
    }

    @Test
    @Order(6)
    void postgresSlowThenDropped() {
        Report report = run("postgres-slow-then-dropped",
                "+200 ms on every chunk towards PostgreSQL for 10 s, then every connection reset", () -> {
                    proxy.latency(Duration.ofMillis(200));
                    sleep(Duration.ofSeconds(10));
                    proxy.dropAll();
                    proxy.latency(Duration.ZERO);
                });
        report.assertCommonTargets();
    }

    @Test
    @Order(7)
    void instanceKilled() {
        Instance doomed = INSTANCES.getFirst();
        Report report = run("instance-killed", "server a SIGKILLed mid-run, restarted on the same port", () -> {
            assertThat(doomed.server().kill()).isEqualTo(128 + 9);
            sleep(Duration.ofSeconds(1));
            doomed.server().start().awaitReady();
        });
        report.assertCommonTargets();
    }

    // ---------------------------------------------------------------------------------------------

    /** Runs the load for BEFORE, the fault (blocking), then AFTER once every instance is ready again. */
    private static Report run(String name, String fault, Runnable inject) {
        for (Instance instance : INSTANCES) {
            await().atMost(Duration.ofSeconds(60)).until(() -> instance.server().readiness() == 200);
        }
        assertThat(redis.ping()).isEqualTo("+PONG");
        Load load = new Load();
        ReadinessWatch watch = new ReadinessWatch();
        load.start();
        sleep(BEFORE);
        long faultStart = System.nanoTime();
        watch.start(faultStart);
        inject.run();
        long faultEnd = System.nanoTime();
        for (Instance instance : INSTANCES) {
            await().atMost(Duration.ofSeconds(60)).until(() -> instance.server().readiness() == 200);
        }
        sleep(AFTER);
        load.stop();
        watch.stop();
        Report report = new Report(name, fault, load.calls, faultStart, faultEnd, watch);
        report.missing = missingAcknowledgedWrites();
        RESULTS.add(report.toMap());
        System.out.println("faults: " + new GsonBuilder().create().toJson(report.toMap()));
        return report;
    }

    /** A fixed-rate mixed load, calls spread over the instances in turn. */
    private static final class Load {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        final AtomicInteger turn = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();

        void start() {
            ticker.scheduleAtFixedRate(() -> {
                Instance instance = INSTANCES.get(Math.floorMod(turn.getAndIncrement(), INSTANCES.size()));
                inFlight.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try {
                        one(instance);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
            }, 0, 1_000_000 / RATE, TimeUnit.MICROSECONDS);
        }

        void stop() {
            ticker.shutdownNow();
            await().atMost(Duration.ofSeconds(30)).until(() -> inFlight.get() == 0);
        }

        private void one(Instance instance) {
            FinesServiceGrpc.FinesServiceBlockingStub fines = instance.client().fines();
            int pick = ThreadLocalRandom.current().nextInt(100);
            if (pick < 40) {
                Fine known = anyCreated();
                timed(instance, "GetFine", true, () -> fines.withDeadlineAfter(READ_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .getFine(GetFineRequest.newBuilder().setFineId(known.getId()).build()));
            } else if (pick < 55) {
                timed(instance, "ListFines", true, () -> fines.withDeadlineAfter(READ_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .listFines(ListFinesRequest.newBuilder().setPageSize(20).setJurisdiction("FI").build()));
            } else if (pick < 75) {
                Fine created = timed(instance, "CreateFine", false, () -> fines
                        .withDeadlineAfter(WRITE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).createFine(createRequest()));
                if (created != null) {
                    CREATED.put(created.getId(), created);
                    IDLE.add(created);
                }
            } else if (pick < 92) {
                Fine fine = IDLE.poll();
                if (fine == null) {
                    return;
                }
                String description = "update " + SERIAL.incrementAndGet();
                Fine updated = timed(instance, "UpdateFine", false, () -> fines
                        .withDeadlineAfter(WRITE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .updateFine(UpdateFineRequest.newBuilder()
                                .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion())
                                        .setViolationDescription(description))
                                .setUpdateMask(FieldMask.newBuilder().addPaths("violation_description")).build()));
                if (updated != null) {
                    UPDATED.put(updated.getId(), updated);
                    IDLE.add(updated);
                }
                // not OK: its outcome is unknown (it may have committed), so the fine leaves the pool
            } else {
                Fine fine = IDLE.poll();
                if (fine == null) {
                    return;
                }
                String key = "faults-pay-" + SERIAL.incrementAndGet();
                PayFineResponse paid = timed(instance, "PayFine", false, () -> fines
                        .withDeadlineAfter(WRITE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .payFine(PayFineRequest.newBuilder().setFineId(fine.getId()).setIdempotencyKey(key)
                                .setAmount(fine.getAmount()).build()));
                if (paid != null) {
                    PAID.put(paid.getPayment().getId(), fine.getId());
                }
            }
        }

        private <T> T timed(Instance instance, String method, boolean read, Supplier<T> call) {
            long start = System.nanoTime();
            Status.Code code = Status.Code.OK;
            String description = null;
            T result = null;
            try {
                result = call.get();
            } catch (StatusRuntimeException e) {
                code = e.getStatus().getCode();
                description = e.getStatus().getDescription();
            }
            calls.add(new Call(instance.name(), method, read, start, System.nanoTime(), code, description));
            return result;
        }
    }

    record Call(String instance, String method, boolean read, long start, long end, Status.Code code, String description) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(end - start);
        }
    }

    /** Polls each instance's readiness every 100 ms; notes when it first left 200 and when it came back. */
    private static final class ReadinessWatch {
        final Map<String, Long> changed = new java.util.concurrent.ConcurrentHashMap<>();
        final Map<String, Long> recovered = new java.util.concurrent.ConcurrentHashMap<>();
        volatile boolean running = true;
        final List<Thread> threads = new ArrayList<>();

        void start(long since) {
            for (Instance instance : INSTANCES) {
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    while (running) {
                        int status = instance.server().readiness();
                        long now = System.nanoTime();
                        if (status != 200) {
                            changed.putIfAbsent(instance.name(), now);
                        } else if (changed.containsKey(instance.name())) {
                            recovered.putIfAbsent(instance.name(), now);
                        }
                        sleep(Duration.ofMillis(100));
                    }
                }));
            }
        }

        void stop() {
            running = false;
            threads.forEach(thread -> {
                try {
                    thread.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    /** What one scenario measured, and its targets. */
    private static final class Report {
        final String name;
        final String fault;
        final List<Call> calls;
        final long faultStart;
        final long faultEnd;
        final ReadinessWatch watch;
        Map<String, Integer> missing = Map.of();

        Report(String name, String fault, List<Call> calls, long faultStart, long faultEnd, ReadinessWatch watch) {
            this.name = name;
            this.fault = fault;
            this.calls = List.copyOf(calls);
            this.faultStart = faultStart;
            this.faultEnd = faultEnd;
            this.watch = watch;
        }

        Map<Status.Code, Long> failures() {
            Map<Status.Code, Long> byCode = new EnumMap<>(Status.Code.class);
            calls.stream().filter(c -> c.code() != Status.Code.OK).forEach(c -> byCode.merge(c.code(), 1L, Long::sum));
            return byCode;
        }

        List<Call> failedReads() {
            return calls.stream().filter(c -> c.read() && c.code() != Status.Code.OK).toList();
        }

        /** Calls that started while an instance's breaker was open (readiness 503) and took over 100 ms. */
        List<Call> slowWhileBreakerOpen() {
            List<Call> slow = new ArrayList<>();
            for (Call call : calls) {
                Long opened = watch.changed.get(call.instance());
                if (opened == null) {
                    continue;
                }
                long closed = watch.recovered.getOrDefault(call.instance(), Long.MAX_VALUE);
                if (call.start() > opened && call.start() < closed && call.millis() > BREAKER_ANSWER_MILLIS) {
                    slow.add(call);
                }
            }
            return slow;
        }

        /** Per second from the fault's start: "second: calls ok/failed". */
        List<String> timeline() {
            Map<Long, long[]> seconds = new TreeMap<>();
            for (Call call : calls) {
                long second = Math.floorDiv(call.start() - faultStart, 1_000_000_000L);
                long[] counts = seconds.computeIfAbsent(second, s -> new long[2]);
                counts[call.code() == Status.Code.OK ? 0 : 1]++;
            }
            List<String> lines = new ArrayList<>();
            seconds.forEach((second, counts) -> lines.add(second + "s: " + counts[0] + " ok, " + counts[1] + " failed"));
            return lines;
        }

        void assertCommonTargets() {
            assertThat(missing.get("creates") + missing.get("updates") + missing.get("payments"))
                    .as(name + ": acknowledged writes missing " + missing).isZero();
            assertThat(missing.get("checked")).as(name + ": acknowledged writes checked").isPositive();
            List<Call> internal = calls.stream()
                    .filter(c -> c.code() == Status.Code.INTERNAL || c.code() == Status.Code.UNKNOWN).toList();
            assertThat(internal).as(name + ": INTERNAL/UNKNOWN answers").isEmpty();
            assertThat(calls.stream().filter(c -> c.code() == Status.Code.OK).count())
                    .as(name + ": the load ran and succeeded at some point").isGreaterThan(RATE);
        }

        void assertNoFailedReads() {
            assertThat(failedReads()).as(name + ": reads failed during a Redis fault").isEmpty();
        }

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("scenario", name);
            map.put("fault", fault);
            map.put("fault_seconds", seconds(faultEnd - faultStart));
            map.put("calls", calls.size());
            map.put("ok", calls.stream().filter(c -> c.code() == Status.Code.OK).count());
            Map<String, Long> failures = new TreeMap<>();
            failures().forEach((code, count) -> failures.put(code.name(), count));
            map.put("failures", failures);
            map.put("failed_reads", failedReads().size());
            long[] millis = calls.stream().mapToLong(Call::millis).sorted().toArray();
            map.put("p99_ms", millis.length == 0 ? 0 : millis[(int) Math.min(millis.length - 1, Math.ceil(millis.length * 0.99) - 1)]);
            map.put("max_ms", millis.length == 0 ? 0 : millis[millis.length - 1]);
            Map<String, Object> readiness = new TreeMap<>();
            for (Instance instance : INSTANCES) {
                Long changed = watch.changed.get(instance.name());
                Long recovered = watch.recovered.get(instance.name());
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("not_ready_after_s", changed == null ? null : seconds(changed - faultStart));
                one.put("ready_again_after_s", recovered == null ? null : seconds(recovered - faultStart));
                readiness.put(instance.name(), one);
            }
            map.put("readiness", readiness);
            // a latency target, so recorded in faults.json rather than asserted: on a shared 2-core machine the
            // answers are right but their time is the scheduler's (see src/bench/README.md, faults)
            map.put("slow_while_breaker_open", slowWhileBreakerOpen().size());
            map.put("answered_within_" + BREAKER_ANSWER_MILLIS + "_ms_while_breaker_open", slowWhileBreakerOpen().isEmpty());
            // which calls they were, so a miss can be explained: the method, its answer and how long it took
            map.put("slow_while_breaker_open_samples", slowWhileBreakerOpen().stream().limit(10)
                    .map(c -> c.instance() + " " + c.method() + " " + c.code() + " " + c.millis() + " ms, started "
                            + seconds(c.start() - faultStart) + " s into the fault")
                    .toList());
            map.put("acknowledged_writes_missing", missing);
            Map<String, String> samples = new TreeMap<>();
            calls.stream().filter(c -> c.code() != Status.Code.OK)
                    .forEach(c -> samples.putIfAbsent(c.code().name(), c.method() + ": " + c.description()));
            map.put("failure_samples", samples);
            map.put("timeline", timeline());
            return map;
        }
    }

    /** Every acknowledged create, update and payment, looked up in PostgreSQL directly (not through the proxy). */
    private static Map<String, Integer> missingAcknowledgedWrites() {
        Map<String, Integer> missing = new LinkedHashMap<>();
        try (Connection connection = pg.connect()) {
            int creates = 0;
            try (PreparedStatement find = connection.prepareStatement("SELECT 1 FROM fines WHERE id = ?")) {
                for (String id : CREATED.keySet()) {
                    find.setString(1, id);
                    try (ResultSet rows = find.executeQuery()) {
                        creates += rows.next() ? 0 : 1;
                    }
                }
            }
            int updates = 0;
            try (PreparedStatement find = connection.prepareStatement(
                    "SELECT version, violation_description FROM fines WHERE id = ?")) {
                for (Fine updated : UPDATED.values()) {
                    find.setString(1, updated.getId());
                    try (ResultSet rows = find.executeQuery()) {
                        boolean kept = rows.next() && (rows.getLong(1) > updated.getVersion()
                                || rows.getLong(1) == updated.getVersion()
                                && rows.getString(2).equals(updated.getViolationDescription()));
                        updates += kept ? 0 : 1;
                    }
                }
            }
            int payments = 0;
            try (PreparedStatement find = connection.prepareStatement("SELECT fine_id FROM fine_payments WHERE id = ?")) {
                for (Map.Entry<String, String> paid : PAID.entrySet()) {
                    find.setString(1, paid.getKey());
                    try (ResultSet rows = find.executeQuery()) {
                        payments += rows.next() && rows.getString(1).equals(paid.getValue()) ? 0 : 1;
                    }
                }
            }
            missing.put("creates", creates);
            missing.put("updates", updates);
            missing.put("payments", payments);
            missing.put("checked", CREATED.size() + UPDATED.size() + PAID.size());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot check acknowledged writes: " + e.getMessage(), e);
        }
        return missing;
    }

    private static Fine anyCreated() {
        List<Fine> fines = List.copyOf(CREATED.values());
        return fines.get(ThreadLocalRandom.current().nextInt(fines.size()));
    }

    private static CreateFineRequest createRequest() {
        long now = Instant.now().getEpochSecond();
        return CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("FAULT-" + SERIAL.incrementAndGet()).setJurisdiction("FI").setViolationCode("P")
                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build();
    }

    private static void writeResults() throws IOException {
        Path file = Path.of(System.getProperty("finehero.faults.results", "target/faults/faults.json"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("date", STARTED);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("load_average_at_start", LOAD_AT_START);
        machine.put("load_average_at_end", SharedRedisProbes.loadAverage());
        machine.put("java", System.getProperty("java.version"));
        document.put("machine", machine);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("what", "FaultInjectionTest: 2 FineHero child servers, own PostgreSQL (behind a TCP proxy) and own Redis");
        run.put("rate_per_second", RATE);
        run.put("mix", "40% GetFine, 15% ListFines (reads, 1 s deadline); 20% CreateFine, 17% UpdateFine, 8% PayFine (writes, 2 s deadline)");
        run.put("phases", "load for " + BEFORE.toSeconds() + " s, fault, readiness 200 on both, load for " + AFTER.toSeconds() + " s");
        document.put("run", run);
        document.put("scenarios", RESULTS);
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(document) + "\n");
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e7) / 100.0;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
