package com.finehero.container;

import com.finehero.api.common.v1.Money;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.client.FineHeroClient;
import com.google.protobuf.Timestamp;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static com.finehero.container.Podman.podman;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Builds the image with src/container/build.sh and runs it the way the Helm chart does: read-only root
 * filesystem, user 10001, readiness probe, SIGTERM to stop. Once on embedded H2 (data on a mounted
 * volume), once on this machine's PostgreSQL and Redis (a schema and key prefix of its own). Start-up to
 * ready is measured against the same jar run directly; figures go to target/container/container.json.
 */
@Tag("container")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageTest {

    private static final String ADMIN_PASSWORD = "container-admin-password";
    private static final Duration DRAIN = Duration.ofSeconds(20);
    private static final Duration READY_WAIT = Duration.ofSeconds(120);
    private static final Path OUT = Path.of("target", "container").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Map<String, Object> RESULTS = new LinkedHashMap<>();
    private static final List<String> CONTAINERS = new ArrayList<>();

    private static String image;

    @BeforeAll
    static void buildImage() throws IOException {
        Files.createDirectories(OUT);
        RESULTS.put("date", Instant.now().toString());
        RESULTS.put("load_average_at_start", Podman.loadAverage());
        long started = System.nanoTime();
        Podman.Result build = Podman.run(Duration.ofMinutes(20), List.of("src/container/build.sh"));
        Files.writeString(OUT.resolve("build.log"), build.output());
        assertThat(build.exitCode()).as("src/container/build.sh (log in %s)", OUT.resolve("build.log")).isZero();
        String[] lines = build.trimmed().split("\n");
        image = lines[lines.length - 1].strip();
        assertThat(image).startsWith("sha256:");
        RESULTS.put("image_build_seconds", (System.nanoTime() - started) / 1_000_000_000.0);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        for (String container : CONTAINERS) {
            Podman.run(Duration.ofMinutes(1), Podman.command("rm", "-f", "-t", "0", container));
        }
        RESULTS.put("load_average_at_end", Podman.loadAverage());
        Files.writeString(OUT.resolve("container.json"), Json.write(RESULTS) + "\n");
    }

    @Test
    @Order(1)
    void imageIsLayeredLabelledNonRootAndSmall() {
        assertThat(podman("image", "inspect", "--format", "{{.Config.User}}", image)).isEqualTo("10001:10001");
        assertThat(podman("image", "inspect", "--format", "{{json .Config.ExposedPorts}}", image)).contains("8080/tcp");
        assertThat(podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", image))
                .contains("HealthCheck").doesNotContain("null");
        for (String label : List.of("version", "revision", "source")) {
            assertThat(podman("image", "inspect", "--format",
                    "{{index .Config.Labels \"org.opencontainers.image." + label + "\"}}", image))
                    .as("label org.opencontainers.image.%s", label).isNotBlank().isNotEqualTo("<no value>");
        }
        // the runtime, the libraries, the jar and the AOT cache in layers of their own: a new commit
        // changes the jar's and the cache's, never the libraries'
        Map<String, Long> layers = layerBytes(image);
        RESULTS.put("layer_bytes", layers);
        assertThat(layers.get("/opt/java")).as("the runtime's layer").isGreaterThan(30_000_000L);
        assertThat(layers.get("/app/libs/")).as("the libraries' layer").isGreaterThan(30_000_000L);
        assertThat(layers.get("/app/finehero-server.jar")).as("the jar's layer").isBetween(100_000L, 5_000_000L);
        assertThat(layers.get("/app/")).as("the AOT cache's layer").isGreaterThan(30_000_000L);
        long size = Long.parseLong(podman("image", "inspect", "--format", "{{.Size}}", image));
        long base = Long.parseLong(podman("image", "inspect", "--format", "{{.Size}}", "localhost/finehero-base:bookworm"));
        RESULTS.put("image_bytes", size);
        RESULTS.put("base_bytes", base);
        // the runtime base holds the C library, CA certificates, tzdata and the users, nothing else
        assertThat(base).as("runtime base size in bytes").isLessThan(20_000_000L);
        // 225 MB on 2026-12-03, 84 MB of it the AOT cache (see src/bench/results/container.json): a guard
        // against a dependency or a base that grows the image unnoticed
        assertThat(size).as("image size in bytes").isLessThan(240_000_000L);
    }

    /** Bytes of each layer that copies something in, by where it copies to ("/app/libs/", "/opt/java", ...). */
    private static Map<String, Long> layerBytes(String image) {
        Matcher layer = Pattern.compile("\"CreatedBy\":\"((?:[^\"\\\\]|\\\\.)*)\",\"size\":(\\d+)")
                .matcher(podman("history", "--format", "json", image));
        Map<String, Long> bytes = new LinkedHashMap<>();
        while (layer.find()) {
            Matcher copy = Pattern.compile("COPY \\S+ in (\\S+)").matcher(layer.group(1));
            if (copy.find()) {
                bytes.put(copy.group(1), Long.parseLong(layer.group(2)));
            }
        }
        return bytes;
    }

    @Test
    @Order(2)
    void embeddedModeOnAReadOnlyRoot() throws Exception {
        Path data = dataVolume("embedded");
        int port = Podman.freePort();
        long started = System.nanoTime();
        String container = run("embedded", port, data, Map.of());
        long readyMillis = awaitReady(container, port, started);
        RESULTS.put("embedded_ready_ms", readyMillis);

        callsSucceed(port, "EMB");
        assertRunsAsNonRoot(container);
        assertRunsWithTheServersJvmEnv(container);
        assertNothingWrittenOutsideTheVolume(container, data);
        try (var files = Files.list(data)) {
            assertThat(files.map(path -> path.getFileName().toString())).as("H2 files on the volume")
                    .anyMatch(name -> name.startsWith("finehero"));
        }
        assertThat(podman("healthcheck", "run", container)).doesNotContain("unhealthy");
        stopAndAssertCleanExit(container);
    }

    @Test
    @Order(3)
    void postgresAndRedisModeDrainsOnStop() throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        String schema = "container_" + suffix;
        String prefix = "container-" + suffix;
        Path data = dataVolume("postgres");
        int port = Podman.freePort();
        String jwks = new JWKSet(new RSAKeyGenerator(2048).keyID("container-1").generate()).toString(false);
        try {
            String container = run("postgres", port, data, Map.of(
                    "FINEHERO_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test",
                    "FINEHERO_DB_USER", "postgres",
                    "FINEHERO_DB_SCHEMA", schema,
                    "FINEHERO_REDIS_ADDRESS", "redis://127.0.0.1:6379",
                    "FINEHERO_REDIS_PREFIX", prefix,
                    "FINEHERO_AUTH_JWT_KEYS", jwks));
            awaitReady(container, port, System.nanoTime());
            // readiness can answer 200 a moment before the start-up line is written
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(logs(container)).contains("database POSTGRESQL").contains("cache redis UP"));
            Fine fine = callsSucceed(port, "PG");
            assertRunsAsNonRoot(container);
            assertNothingWrittenOutsideTheVolume(container, data);

            // a call held on a row lock is in flight when podman stop sends SIGTERM; it must finish
            try (FineHeroClient client = client(port);
                 ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                 Connection lock = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "")) {
                lock.setAutoCommit(false);
                try (PreparedStatement select = lock.prepareStatement("SELECT id FROM " + schema + ".fines WHERE id = ? FOR UPDATE")) {
                    select.setString(1, fine.getId());
                    select.executeQuery().close();
                }
                CompletableFuture<Fine> contest = CompletableFuture.supplyAsync(() -> client.fines().contestFine(
                        ContestFineRequest.newBuilder().setFineId(fine.getId())
                                .setReason("Contested while the container stops, should still finish.").build()), threads);
                await().atMost(Duration.ofSeconds(20)).until(() -> waitersOn(lock) > 0);
                long stopStarted = System.nanoTime();
                CompletableFuture<Podman.Result> stop = CompletableFuture.supplyAsync(() -> Podman.run(Duration.ofMinutes(2),
                        Podman.command("stop", "-t", Long.toString(DRAIN.toSeconds() + 10), container)), threads);
                await().atMost(Duration.ofSeconds(20)).until(() -> logs(container).contains("FineHero stopping"));
                // the stop waits for the call: hold it a moment longer, then let it through
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !stop.isDone());
                lock.commit();
                assertThat(contest.get(20, TimeUnit.SECONDS).getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
                assertThat(stop.get(60, TimeUnit.SECONDS).exitCode()).isZero();
                long stopMillis = (System.nanoTime() - stopStarted) / 1_000_000;
                RESULTS.put("stop_with_call_in_flight_ms", stopMillis);
                assertThat(Duration.ofMillis(stopMillis)).isLessThan(DRAIN);
            }
            assertThat(podman("inspect", "--format", "{{.State.ExitCode}}", container)).isEqualTo("0");
            assertThat(logs(container)).contains("FineHero stopped");
        } finally {
            try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "")) {
                connection.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
            Podman.run(Duration.ofSeconds(30), List.of("sh", "-c",
                    "redis-cli -h 127.0.0.1 -p 6379 --scan --pattern '" + prefix + "*' | xargs -r redis-cli -h 127.0.0.1 -p 6379 del"));
        }
    }

    /** Start-up to ready: the jar run directly, the image without its AOT cache, the image as built. */
    @Test
    @Order(4)
    void startUpComparedWithTheJarRunDirectly() throws Exception {
        Map<String, Object> startUp = new LinkedHashMap<>();
        int rounds = Integer.getInteger("finehero.container.rounds", 2);
        List<Long> jar = new ArrayList<>();
        List<Long> imageNoCache = new ArrayList<>();
        List<Long> imageWithCache = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            jar.add(jarReadyMillis());
            imageNoCache.add(imageReadyMillis("nocache-" + round, List.of("--entrypoint", "java"),
                    List.of("-jar", "/app/finehero-server.jar")));
            imageWithCache.add(imageReadyMillis("cache-" + round, List.of(), List.of()));
        }
        startUp.put("rounds", rounds);
        startUp.put("jar_direct_ms", jar);
        startUp.put("image_without_aot_cache_ms", imageNoCache);
        startUp.put("image_ms", imageWithCache);
        startUp.put("load_average", Podman.loadAverage());
        RESULTS.put("start_up_to_ready", startUp);
        assertThat(imageWithCache).allMatch(ms -> ms < READY_WAIT.toMillis());
    }

    // ---- helpers ----

    private static long jarReadyMillis() throws Exception {
        Path data = Files.createTempDirectory(OUT, "jar-");
        int port = Podman.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:MaxRAMPercentage=75", "-jar",
                Podman.ROOT.resolve("server/target/finehero-server.jar").toString())
                .directory(data.toFile()).redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile());
        builder.environment().put("SERVER_PORT", Integer.toString(port));
        builder.environment().put("SERVER_HOST", "127.0.0.1");
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            await().atMost(READY_WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
                assertThat(process.isAlive()).as("jar run directly; see %s", data.resolve("server.log")).isTrue();
                return readiness(port) == 200;
            });
            return (System.nanoTime() - started) / 1_000_000;
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    private static long imageReadyMillis(String name, List<String> runOptions, List<String> arguments) throws Exception {
        Path data = dataVolume(name);
        int port = Podman.freePort();
        long started = System.nanoTime();
        String container = run(name, port, data, Map.of(), runOptions, arguments);
        long ready = awaitReady(container, port, started);
        Podman.run(Duration.ofMinutes(1), Podman.command("rm", "-f", "-t", "0", container));
        return ready;
    }

    private static Path dataVolume(String name) throws IOException {
        Path data = Files.createTempDirectory(OUT, "data-" + name + "-");
        Podman.run(Duration.ofSeconds(10), List.of("chown", "10001:10001", data.toString()));
        return data;
    }

    private static String run(String name, int port, Path data, Map<String, String> env) {
        return run(name, port, data, env, List.of(), List.of());
    }

    private static String run(String name, int port, Path data, Map<String, String> env,
                              List<String> runOptions, List<String> arguments) {
        String container = "finehero-test-" + name + "-" + ProcessHandle.current().pid();
        Podman.run(Duration.ofMinutes(1), Podman.command("rm", "-f", "-t", "0", container));
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", container, "--read-only", "--network", "host",
                "--ulimit", "nofile=" + Podman.openFilesLimit() + ":" + Podman.openFilesLimit(),
                "--ulimit", "nproc=4096:4096", "-v", data + ":/app/data",
                "-e", "SERVER_PORT=" + port, "-e", "SERVER_HOST=127.0.0.1",
                "-e", "FINEHERO_SHUTDOWN_DRAIN=PT" + DRAIN.toSeconds() + "S",
                "-e", "FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_PASSWORD=" + ADMIN_PASSWORD,
                "-e", "FINEHERO_AUTH_BOOTSTRAP_dash_ADMIN_MUST_dash_CHANGE_dash_PASSWORD=false",
                "-e", "FINEHERO_AUTH_BCRYPT_dash_COST=4"));
        env.forEach((key, value) -> args.addAll(List.of("-e", key + "=" + value)));
        args.addAll(runOptions);
        args.add(image);
        args.addAll(arguments);
        podman(args.toArray(String[]::new));
        CONTAINERS.add(container);
        return container;
    }

    private static long awaitReady(String container, int port, long startedNanos) {
        await().atMost(READY_WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            String state = podman("inspect", "--format", "{{.State.Status}}", container);
            assertThat(state).as("container %s; its log:\n%s", container, logs(container)).isEqualTo("running");
            return readiness(port) == 200;
        });
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    private static int readiness(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static FineHeroClient client(int port) {
        return FineHeroClient.builder().target("127.0.0.1", port).credentials("admin", ADMIN_PASSWORD)
                .maxAttempts(1).deadline(Duration.ofSeconds(30)).build();
    }

    /**
     * CreateFine and GetFine over gRPC, a document created and searched for, then the fine over REST with a
     * token from POST /v1/auth/login.
     */
    private static Fine callsSucceed(int port, String citationPrefix) throws Exception {
        Fine created;
        try (FineHeroClient client = client(port)) {
            long now = Instant.now().getEpochSecond();
            created = client.fines().createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                    .setCitationNumber(citationPrefix + "-" + System.nanoTime()).setJurisdiction("FI").setViolationCode("P")
                    .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                    .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                    .setDueTime(Timestamp.newBuilder().setSeconds(now + 86400))).build());
            Fine read = client.fines().getFine(GetFineRequest.newBuilder().setFineId(created.getId()).build());
            assertThat(read.getCitationNumber()).isEqualTo(created.getCitationNumber());
            // a document written and found: the image's runtime must hold every module the search needs,
            // which the first write or search loads (the embedded index opens on first use)
            String word = "kerbside" + citationPrefix.toLowerCase(java.util.Locale.ROOT) + Long.toString(System.nanoTime(), 36);
            Document document = client.documents().createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                    .setTitle("Parking on the " + word).setKind(DocumentKind.DOCUMENT_KIND_REGULATION).setJurisdiction("FI")
                    .setContent("Parking on the " + word + " is allowed for ten minutes.")).build());
            SearchDocumentsResponse found = client.documents().searchDocuments(
                    SearchDocumentsRequest.newBuilder().setQuery(word).build());
            assertThat(found.getResultsList()).extracting(result -> result.getDocument().getId()).containsExactly(document.getId());
        }
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        Matcher token = Pattern.compile("\"accessToken\"\\s*:\\s*\"([^\"]+)\"").matcher(login.body());
        assertThat(token.find()).as(login.body()).isTrue();
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/fines/" + created.getId()))
                .header("Authorization", "Bearer " + token.group(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).as(get.body()).isEqualTo(200);
        assertThat(get.body()).contains(created.getId()).contains(created.getCitationNumber());
        return created;
    }

    private static void assertRunsAsNonRoot(String container) throws IOException {
        String pid = podman("inspect", "--format", "{{.State.Pid}}", container);
        String uids = Files.readAllLines(Path.of("/proc", pid, "status")).stream()
                .filter(line -> line.startsWith("Uid:") || line.startsWith("Gid:")).collect(Collectors.joining("\n"));
        assertThat(uids).as("the server process (host pid %s)", pid)
                .isEqualTo("Uid:\t10001\t10001\t10001\t10001\nGid:\t10001\t10001\t10001\t10001");
        assertThat(Files.readString(Path.of("/proc", pid, "cmdline"))).contains("java");
    }

    /** The server process's environment holds every NAME=value line of server/jvm.env, as every FineHero start does. */
    private static void assertRunsWithTheServersJvmEnv(String container) throws IOException {
        List<String> settings = Files.readAllLines(Podman.ROOT.resolve("server/jvm.env")).stream()
                .filter(line -> line.matches("[A-Za-z_][A-Za-z0-9_]*=.*"))
                .toList();
        assertThat(settings).as("server/jvm.env's settings").isNotEmpty();
        String pid = podman("inspect", "--format", "{{.State.Pid}}", container);
        List<String> environment = List.of(Files.readString(Path.of("/proc", pid, "environ")).split("\0"));
        assertThat(environment).as("the server's environment (host pid %s)", pid).containsAll(settings);
    }

    /**
     * podman diff lists every change to the image's files; the volume and podman's tmpfs mounts are not in
     * it. Then a write is tried for real with the one program the image has, java: its log file opened
     * in the image's /app fails, in the volume it is created.
     */
    private static void assertNothingWrittenOutsideTheVolume(String container, Path volume) throws IOException {
        assertThat(podman("diff", container)).as("podman diff %s", container).isEmpty();
        String intoTheImage = Podman.run(Duration.ofSeconds(60), Podman.command("exec", container,
                "java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xlog:os=info:file=/app/probe", "-version")).output();
        assertThat(intoTheImage).as("writing into the image's /app").contains("Read-only file system");
        Podman.Result intoTheVolume = Podman.run(Duration.ofSeconds(60), Podman.command("exec", container,
                "java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xlog:os=info:file=/app/data/probe", "-version"));
        assertThat(intoTheVolume.exitCode()).as(intoTheVolume.output()).isZero();
        assertThat(volume.resolve("probe")).as("a file written into the volume").exists();
        Files.delete(volume.resolve("probe"));
        // and nothing else to run: the base has no shell
        Podman.Result shell = Podman.run(Duration.ofSeconds(30), Podman.command("exec", container, "sh", "-c", "true"));
        assertThat(shell.exitCode()).as("a shell in the image: %s", shell.output()).isNotZero();
    }

    private static void stopAndAssertCleanExit(String container) {
        long started = System.nanoTime();
        podman("stop", "-t", Long.toString(DRAIN.toSeconds() + 10), container);
        RESULTS.put("stop_idle_ms", (System.nanoTime() - started) / 1_000_000);
        assertThat(podman("inspect", "--format", "{{.State.ExitCode}}", container)).isEqualTo("0");
        assertThat(logs(container)).contains("FineHero stopped");
    }

    private static String logs(String container) {
        return Podman.run(Duration.ofSeconds(30), Podman.command("logs", container)).output();
    }

    private static int waitersOn(Connection lock) throws Exception {
        try (PreparedStatement clear = lock.prepareStatement("SELECT pg_stat_clear_snapshot()")) {
            clear.execute();
        }
        try (PreparedStatement waiting = lock.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))");
             ResultSet rows = waiting.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
