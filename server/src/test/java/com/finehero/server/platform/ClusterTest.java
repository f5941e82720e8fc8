package com.finehero.server.platform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.ChildServer;
import com.finehero.server.testing.OwnPostgres;
import com.finehero.server.testing.OwnRedis;
import com.finehero.server.testing.OwnRedisTopology;
import com.finehero.server.testing.TestKeys;
import com.google.gson.GsonBuilder;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole cluster on one machine: a PostgreSQL primary with a streaming replica, Redis with a replica
 * and three sentinels, three FineHero servers (child JVMs) and HAProxy in front of them on loopback
 * (h2c for gRPC, HTTP/1.1 for REST), all of the test's own. A mixed load runs through HAProxy while one
 * FineHero is SIGKILLed and then the Redis master is, so the sentinels fail it over. Recorded: calls,
 * failures by status, p99, tasks run more than once, acknowledged writes missing afterwards (asserted
 * zero), and stale reads (a caller reading older than its own acknowledged write) by method; asserted
 * zero for the reads a replica may answer (ListFines over gRPC and REST), recorded as met or not for all.
 * Run by {@code src/bench/cluster.sh}, which puts the figures in {@code src/bench/results/cluster.json}.
 */
@Tag("faults")
class ClusterTest {

    static final Duration RUN = Duration.ofSeconds(Integer.getInteger("finehero.cluster.seconds", 45));
    static final int WORKERS = Integer.getInteger("finehero.cluster.workers", 8);
    static final String PASSWORD = "cluster-admin-password";

    @Test
    void mixedLoadThroughHaproxySurvivesAnInstanceKillAndARedisFailover() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "cluster"));
        String loadAtStart = SharedRedisProbes.loadAverage();
        String started = Instant.now().toString();
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            OwnPostgres primary = OwnPostgres.start();
            owned.add(primary);
            OwnPostgres replica = primary.replica();
            owned.addFirst(replica);
            OwnRedisTopology redis = OwnRedisTopology.sentinel();
            owned.addFirst(redis);
            List<ChildServer> servers = new ArrayList<>();
            for (String name : List.of("a", "b", "c")) {
                ChildServer.Builder server = ChildServer.builder(name, logs)
                        .env("FINEHERO_DB_URL", primary.jdbcUrl())
                        .env("FINEHERO_DB_USER", primary.user())
                        .env("FINEHERO_DB_REPLICAS", replica.jdbcUrl())
                        .env("FINEHERO_AUTH_JWT_KEYS", TestKeys.JWK_SET)
                        .env("FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_PASSWORD", PASSWORD)
                        .env("FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_MUST_dash_CHANGE_dash_PASSWORD", "false")
                        .env("FINEHERO_AUTH_BCRYPT_dash_COST", "4")
                        .env("FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_ADDRESS", "100000000")
                        .env("FINEHERO_SECURITY_RATE_dash_LIMITS_PER_dash_IDENTITY", "100000000")
                        .env("FINEHERO_SECURITY_RATE_dash_LIMITS_GLOBAL", "100000000")
                        .env("FINEHERO_TASKS_SCHEDULES_OVERDUE_dash_SWEEP", "")
                        .env("FINEHERO_MONITORING_ALERTS_ENABLED", "false");
                redis.settings().forEach((key, value) -> server.env(envVar(key), value));
                ChildServer child = server.start();
                owned.addFirst(child);
                child.awaitReady(); // one at a time: the first one migrates
                servers.add(child);
            }
            Haproxy haproxy = Haproxy.start(logs, servers.stream().map(ChildServer::port).toList());
            owned.addFirst(haproxy);

            Load load = new Load(haproxy);
            owned.addFirst(load);
            load.prepare();
            Map<String, Double> faults = new LinkedHashMap<>();
            long start = System.nanoTime();
            load.start();
            sleep(RUN.dividedBy(3));
            servers.get(1).kill();
            faults.put("finehero_b_sigkill_at_seconds", seconds(System.nanoTime() - start));
            sleep(RUN.dividedBy(3));
            int oldMaster = redis.masterPort();
            OwnRedis master = redis.server(oldMaster);
            master.kill();
            faults.put("redis_master_sigkill_at_seconds", seconds(System.nanoTime() - start));
            redis.awaitNewMaster(oldMaster);
            faults.put("redis_new_master_at_seconds", seconds(System.nanoTime() - start));
            sleep(RUN.dividedBy(3));
            load.stop();
            faults.put("load_stopped_at_seconds", seconds(System.nanoTime() - start));

            Map<String, Object> verified = load.verify(primary);
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("benchmark", "cluster");
            document.put("date", started);
            Map<String, Object> machine = new LinkedHashMap<>();
            machine.put("nproc", Runtime.getRuntime().availableProcessors());
            machine.put("load_average_at_start", loadAtStart);
            machine.put("load_average_at_end", SharedRedisProbes.loadAverage());
            machine.put("java", System.getProperty("java.version"));
            document.put("machine", machine);
            document.put("what", "3 FineHero child JVMs behind HAProxy " + haproxy.version() + " (h2c for gRPC, HTTP/1.1 for REST, "
                    + "roundrobin, readiness checks every 500 ms), PostgreSQL 15 primary + pg_basebackup streaming replica "
                    + "(finehero.db.replicas), Redis master + replica + 3 sentinels; " + WORKERS + " closed-loop workers, each with "
                    + "its own FineHeroClient through HAProxy (consistency token kept per worker) for " + RUN.toSeconds() + " s");
            document.put("mix", Load.MIX);
            document.put("faults", faults);
            document.putAll(load.figures());
            long staleGets = load.staleByMethod.getOrDefault("GetFine", new LongAdder()).sum();
            document.put("stale_reads_zero", load.stale.sum() == 0 ? "met" : "not met: " + load.stale.sum() + " stale read(s), "
                    + staleGets + " of them GetFine, which the primary and the shared cache answer (never a replica); "
                    + "see stale_read_examples and the servers' 'redis unavailable' warnings at those moments");
            document.putAll(verified);
            Path file = Path.of(System.getProperty("finehero.cluster.results", "target/cluster/cluster.json"));
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(document) + "\n");

            assertThat(verified.get("acknowledged_writes_missing")).as("acknowledged writes missing").isEqualTo(0);
            assertThat(load.staleByMethod.keySet()).as("reads a replica may answer that were stale after the caller's own write: %s",
                    load.staleExamples).doesNotContain("ListFines", "REST ListFines");
        } finally {
            for (AutoCloseable resource : owned) {
                try {
                    resource.close();
                } catch (Exception e) {
                    // closing the rest matters more
                }
            }
        }
    }

    /** The mixed load: each worker owns its fines, so what it last wrote is what it must read back. */
    static final class Load implements AutoCloseable {
        static final String MIX = "per worker, closed loop: 20% CreateFine, 25% UpdateFine then ListFines by plate + GetFine "
                + "(gRPC, checked against the update), 35% ListFines by plate of an own fine (gRPC, checked), 10% GET /v1/fines "
                + "by plate over HTTP/1.1 with the worker's token (checked), 10% SubmitTask noop";

        private final Haproxy haproxy;
        private final List<Worker> workers = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        private volatile boolean running;
        private volatile long startedAt;
        private String apiKey;
        final LongAdder calls = new LongAdder();
        final LongAdder stale = new LongAdder();
        final ConcurrentLinkedQueue<String> staleExamples = new ConcurrentLinkedQueue<>();
        final Map<String, LongAdder> staleByMethod = new ConcurrentHashMap<>();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        /** Acknowledged state of every fine: the version and amount of the last acknowledged write. */
        final Map<String, Fine> acknowledged = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> tasks = new ConcurrentLinkedQueue<>();
        final AtomicLong serial = new AtomicLong();

        Load(Haproxy haproxy) {
            this.haproxy = haproxy;
        }

        void prepare() {
            try (FineHeroClient admin = client()) {
                apiKey = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.auth()
                        .createApiKey(CreateApiKeyRequest.newBuilder().setName("cluster-rest").build()).getSecret(), k -> true);
            }
            for (int i = 0; i < WORKERS; i++) {
                Worker worker = new Worker(i, client());
                workers.add(worker);
                // the first call logs in, which takes seconds on a busy machine
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> worker.create() != null);
            }
        }

        private FineHeroClient client() {
            return FineHeroClient.builder().target("127.0.0.1", haproxy.grpcPort()).credentials("admin", PASSWORD)
                    .deadline(Duration.ofSeconds(5)).build();
        }

        void start() {
            startedAt = System.nanoTime();
            running = true;
            latencies.clear();
            for (Worker worker : workers) {
                threads.add(Thread.ofPlatform().name("cluster-worker-" + worker.index).start(worker::loop));
            }
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(30));
            }
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            List<Long> sorted = new ArrayList<>(latencies);
            sorted.sort(null);
            figures.put("calls", calls.sum());
            Map<String, Long> byStatus = new java.util.TreeMap<>();
            failures.forEach((status, count) -> byStatus.put(status, count.sum()));
            figures.put("failures_by_status", byStatus);
            figures.put("p50_ms", percentile(sorted, 0.50));
            figures.put("p99_ms", percentile(sorted, 0.99));
            figures.put("max_ms", sorted.isEmpty() ? null : sorted.getLast() / 1e6);
            figures.put("stale_reads_after_writes", stale.sum());
            Map<String, Long> staleBy = new java.util.TreeMap<>();
            staleByMethod.forEach((method, count) -> staleBy.put(method, count.sum()));
            figures.put("stale_reads_by_method", staleBy);
            figures.put("stale_read_examples", List.copyOf(staleExamples).subList(0, Math.min(10, staleExamples.size())));
            return figures;
        }

        private static Double percentile(List<Long> sorted, double p) {
            return sorted.isEmpty() ? null : Math.round(sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * p))) / 1e4) / 100.0;
        }

        /** Every acknowledged write looked up on the primary directly; every acknowledged task's attempts. */
        Map<String, Object> verify(OwnPostgres primary) throws SQLException {
            Map<String, Object> verified = new LinkedHashMap<>();
            int missing = 0;
            try (Connection connection = primary.connect();
                 PreparedStatement find = connection.prepareStatement("SELECT version, amount_minor FROM fines WHERE id = ?")) {
                for (Fine fine : acknowledged.values()) {
                    find.setString(1, fine.getId());
                    try (ResultSet row = find.executeQuery()) {
                        boolean kept = row.next() && (row.getLong(1) > fine.getVersion()
                                || row.getLong(1) == fine.getVersion() && row.getLong(2) == fine.getAmount().getAmountMinor());
                        missing += kept ? 0 : 1;
                    }
                }
            }
            verified.put("acknowledged_fines_checked", acknowledged.size());
            verified.put("acknowledged_writes_missing", missing);
            int finished = 0;
            int moreThanOnce = 0;
            int lost = 0;
            try (FineHeroClient client = client()) {
                for (String id : tasks) {
                    try {
                        var task = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> client.tasks()
                                .getTask(com.finehero.api.tasks.v1.GetTaskRequest.newBuilder().setTaskId(id).build()),
                                t -> t.getState() == com.finehero.api.tasks.v1.TaskState.TASK_STATE_SUCCEEDED);
                        finished++;
                        moreThanOnce += task.getAttempts() > 1 ? 1 : 0;
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        lost++;
                    }
                }
            }
            verified.put("acknowledged_tasks", tasks.size());
            verified.put("tasks_succeeded", finished);
            verified.put("tasks_run_more_than_once", moreThanOnce);
            verified.put("tasks_not_finished_within_60_s", lost);
            return verified;
        }

        @Override
        public void close() {
            running = false;
            workers.forEach(w -> w.client.close());
        }

        final class Worker {
            final int index;
            final FineHeroClient client;
            final List<String> own = new ArrayList<>();

            Worker(int index, FineHeroClient client) {
                this.index = index;
                this.client = client;
            }

            void loop() {
                while (running) {
                    int dice = ThreadLocalRandom.current().nextInt(100);
                    try {
                        if (dice < 20 || own.isEmpty()) {
                            timed("CreateFine", this::create);
                        } else if (dice < 45) {
                            Fine updated = timed("UpdateFine", this::update);
                            checked("ListFines", updated.getId(), () -> listed(updated.getId()));
                            checked("GetFine", updated.getId(), () -> client.fines().getFine(GetFineRequest.newBuilder()
                                    .setFineId(updated.getId()).build()));
                        } else if (dice < 80) {
                            String id = any();
                            checked("ListFines", id, () -> listed(id));
                        } else if (dice < 90) {
                            String id = any();
                            checked("REST ListFines", id, () -> rest(id));
                        } else {
                            String task = timed("SubmitTask", () -> client.tasks().submitTask(SubmitTaskRequest.newBuilder()
                                    .setType("noop").build()).getId());
                            tasks.add(task);
                        }
                    } catch (StatusRuntimeException e) {
                        failures.computeIfAbsent(e.getStatus().getCode().name(), k -> new LongAdder()).increment();
                    } catch (RuntimeException e) {
                        failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                    }
                }
            }

            Fine create() {
                long now = Instant.now().getEpochSecond();
                String plate = "W" + index + "N" + serial.incrementAndGet();
                Fine fine = client.fines().createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                        .setCitationNumber("CL-" + plate).setJurisdiction("CL").setViolationCode("P").setVehiclePlate(plate)
                        .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                        .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                        .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
                acknowledged.put(fine.getId(), fine);
                own.add(fine.getId());
                return fine;
            }

            Fine update() {
                Fine last = acknowledged.get(any());
                Fine updated = client.fines().updateFine(UpdateFineRequest.newBuilder()
                        .setFine(Fine.newBuilder().setId(last.getId()).setVersion(last.getVersion())
                                .setAmount(Money.newBuilder().setCurrencyCode("EUR")
                                        .setAmountMinor(last.getAmount().getAmountMinor() + 1)))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("amount")).build());
                acknowledged.put(updated.getId(), updated);
                return updated;
            }

            Fine listed(String id) {
                List<Fine> found = client.fines().listFines(ListFinesRequest.newBuilder()
                        .setVehiclePlate(acknowledged.get(id).getVehiclePlate()).build()).getFinesList();
                return found.isEmpty() ? null : found.getFirst();
            }

            /** The amount of the fine as REST lists it, read through HAProxy's HTTP/1.1 side with this worker's token. */
            Fine rest(String id) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + haproxy.httpPort()
                        + "/v1/fines?vehiclePlate=" + acknowledged.get(id).getVehiclePlate()))
                        .header("x-api-key", apiKey).timeout(Duration.ofSeconds(5)).GET();
                client.consistencyToken().ifPresent(token -> request.header("x-finehero-consistency", token));
                HttpResponse<String> response;
                try {
                    response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription(e.toString()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (response.statusCode() != 200) {
                    throw new StatusRuntimeException(Status.UNKNOWN.withDescription("HTTP " + response.statusCode()));
                }
                com.google.gson.JsonObject body = com.google.gson.JsonParser.parseString(response.body()).getAsJsonObject();
                var fines = body.has("fines") ? body.getAsJsonArray("fines") : new com.google.gson.JsonArray();
                if (fines.isEmpty()) {
                    return null;
                }
                var fine = fines.get(0).getAsJsonObject();
                return Fine.newBuilder().setId(fine.get("id").getAsString()).setVersion(fine.get("version").getAsLong())
                        .setAmount(Money.newBuilder().setAmountMinor(fine.getAsJsonObject("amount").get("amountMinor").getAsLong()))
                        .build();
            }

            private String any() {
                return own.get(ThreadLocalRandom.current().nextInt(own.size()));
            }

            private void checked(String method, String id, Supplier<Fine> read) {
                Fine expected = acknowledged.get(id);
                Fine seen = timed(method, read);
                if (seen == null || seen.getVersion() < expected.getVersion()) {
                    stale.increment();
                    staleExamples.add(seconds(System.nanoTime() - startedAt) + " s: " + method + " of " + id + ": version "
                            + (seen == null ? "none" : seen.getVersion()) + " after acknowledged " + expected.getVersion());
                    staleByMethod.computeIfAbsent(method, k -> new LongAdder()).increment();
                }
            }

            private <T> T timed(String method, Supplier<T> call) {
                long start = System.nanoTime();
                try {
                    return call.get();
                } finally {
                    latencies.add(System.nanoTime() - start);
                    calls.increment();
                }
            }
        }
    }

    /** HAProxy of the test's own in front of the servers: h2c for gRPC, HTTP/1.1 for REST, readiness checks. */
    static final class Haproxy implements AutoCloseable {
        private final Process process;
        private final int grpcPort;
        private final int httpPort;

        private Haproxy(Process process, int grpcPort, int httpPort) {
            this.process = process;
            this.grpcPort = grpcPort;
            this.httpPort = httpPort;
        }

        static Haproxy start(Path directory, List<Integer> servers) throws IOException {
            int grpc = ChildServer.freePort();
            int http = ChildServer.freePort();
            StringBuilder config = new StringBuilder("""
                    global
                      maxconn 4000
                    defaults
                      mode http
                      timeout connect 1s
                      timeout client 60s
                      timeout server 60s
                      # a request is sent again only if no server took it: a write is never repeated
                      retries 2
                      retry-on conn-failure
                      option redispatch
                    """);
            for (String side : List.of("grpc", "http")) {
                config.append("frontend ").append(side).append('\n')
                        .append("  bind 127.0.0.1:").append(side.equals("grpc") ? grpc : http).append(side.equals("grpc") ? " proto h2\n" : "\n")
                        .append("  default_backend ").append(side).append("_servers\n")
                        .append("backend ").append(side).append("_servers\n")
                        .append("  balance roundrobin\n")
                        // HTTP/1.1 with a Host: Helidon answers a bare HTTP/1.0 check as invalid
                        .append("  option httpchk\n")
                        .append("  http-check send meth GET uri /observe/health/ready ver HTTP/1.1 hdr Host localhost\n")
                        .append("  http-check expect status 200\n");
                for (int i = 0; i < servers.size(); i++) {
                    config.append("  server s").append(i).append(" 127.0.0.1:").append(servers.get(i))
                            .append(side.equals("grpc") ? " proto h2" : "").append(" check inter 500ms fall 2 rise 2\n");
                }
            }
            Path file = directory.resolve("haproxy.cfg");
            Files.writeString(file, config);
            Process process = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("haproxy.log").toFile())).start();
            Haproxy haproxy = new Haproxy(process, grpc, http);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (var socket = new java.net.Socket("127.0.0.1", http)) {
                    return process.isAlive();
                } catch (IOException e) {
                    return false;
                }
            });
            return haproxy;
        }

        int grpcPort() {
            return grpcPort;
        }

        int httpPort() {
            return httpPort;
        }

        String version() {
            try {
                Process version = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
                String text = new String(version.getInputStream().readAllBytes());
                version.waitFor(5, TimeUnit.SECONDS);
                return text.lines().findFirst().orElse("").replace("HAProxy version ", "").split(" ")[0];
            } catch (IOException | InterruptedException e) {
                return "unknown";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Helidon's mapping of a key to its environment variable: dots as underscores, a dash as {@code _dash_}. */
    private static String envVar(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "_dash_");
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
