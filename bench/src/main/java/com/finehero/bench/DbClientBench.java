package com.finehero.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import com.finehero.api.common.v1.GeoPoint;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Contest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Location;
import com.finehero.api.fines.v1.Payment;
import com.finehero.api.fines.v1.PaymentStatus;
import com.finehero.server.fines.DbClientFineStore;
import com.finehero.server.fines.FineStore;
import com.finehero.server.fines.Fines;
import com.finehero.server.fines.SqlFineStore;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbClientPool;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.security.JurisdictionScope;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.management.OperatingSystemMXBean;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;

/**
 * Whether FineHero's stores should use Helidon's DB client (helidon-dbclient-jdbc): the fines store's
 * cache-miss read and a filtered ListFines page, through the server's {@code JdbcFineStore} ({@link Fines#storeWithoutCache}) as the server runs it, the
 * same on the {@code Sql} helper, and the DB-client spike (reads in auto-commit as the client runs them,
 * and in a transaction as the others do), on one database in alternating rounds after a warm-up round.
 * Steps the script runs:
 * <pre>
 * DbClientBench measure jdbcUrl user schema fines callers warmupSeconds measureSeconds rounds runs.ndjson
 * DbClientBench report  runs.ndjson sourceRoot result.json
 * </pre>
 */
public final class DbClientBench {

    static final String BASELINE = "plain_jdbc";
    static final int PAGE = 50;
    static final List<String> JURISDICTIONS = List.of("NL-AMS", "NL-RTM", "NL-UTR", "BE-BRU", "BE-ANT", "DE-BER", "DE-HAM", "FR-PAR");

    private static final OperatingSystemMXBean PROCESS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private DbClientBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "measure" -> measure(new DbConfig(args[1], args[2], "", args[3], Integer.parseInt(args[5]),
                            Integer.parseInt(args[5]), Duration.ofSeconds(5), Duration.ofMillis(500),
                            new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1))),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]), Duration.ofSeconds(Long.parseLong(args[6])),
                    Duration.ofSeconds(Long.parseLong(args[7])), Integer.parseInt(args[8]), Path.of(args[9]));
            case "report" -> report(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
            default -> throw new IllegalArgumentException("unknown step " + args[0]);
        }
    }

    /** The stores being compared, on one migrated database, by mode name; the baseline first. */
    static final class Stores implements AutoCloseable {
        final Database database;
        final DbClient client;
        final Map<String, FineStore> byMode = new LinkedHashMap<>();

        Stores(DbConfig config) {
            database = Database.open(config);
            // closing the client closes this pool
            client = JdbcClientBuilder.create().connectionPool(DbClientPool.open(config, database.slowQueries()))
                    .statements(DbClientFineStore.statements()).build();
            byMode.put(BASELINE, Fines.storeWithoutCache(database));
            byMode.put("sql_helper", new SqlFineStore(database));
            byMode.put("dbclient", new DbClientFineStore(client, false));
            byMode.put("dbclient_in_transaction", new DbClientFineStore(client, true));
        }

        FineStore baseline() {
            return byMode.get(BASELINE);
        }

        @Override
        public void close() {
            client.close();
            database.close();
        }
    }

    static void measure(DbConfig config, int fines, int callers, Duration warmup, Duration measure, int rounds, Path out)
            throws Exception {
        try (Stores stores = new Stores(config)) {
            Workload workload = Workload.load(stores.baseline(), fines, new Random(42));
            if (config.url().startsWith("jdbc:postgresql:")) {
                // the plans of the measured statements, settled before the first round rather than by autovacuum during one
                stores.database.inTransaction(connection -> {
                    try (Statement analyse = connection.createStatement()) {
                        analyse.execute("ANALYZE fines");
                    }
                    return null;
                });
            }
            workload.checkSameAnswers(stores.byMode, 200);
            System.err.printf(Locale.ROOT, "%d fines, %d list cursors; every store answers alike%n",
                    workload.ids.size(), workload.cursors.size());
            Files.deleteIfExists(out);
            JsonObject setup = new JsonObject();
            setup.addProperty("fines", workload.ids.size());
            setup.addProperty("callers", callers);
            setup.addProperty("warmup_seconds", warmup.toSeconds());
            // round 0 is the JIT's: whichever mode ran first would otherwise pay for the code all modes share
            for (int round = 0; round <= rounds; round++) {
                for (var mode : stores.byMode.entrySet()) {
                    FineStore store = mode.getValue();
                    append(out, setup, "get", round, run(mode.getKey(), callers, warmup, measure,
                            () -> store.find(workload.randomId()).orElseThrow()));
                }
                for (var mode : stores.byMode.entrySet()) {
                    FineStore store = mode.getValue();
                    append(out, setup, "list", round, run(mode.getKey(), callers, warmup, measure,
                            () -> store.list(workload.randomPageQuery(), PAGE + 1)));
                }
            }
        }
    }

    /**
     * A warm-up, then a measured closed-loop run, with the CPU time this process spent per call while it
     * ran: on a box shared with other work, CPU per call tells what the code costs more steadily than
     * calls/s, which also waits for PostgreSQL and for other processes' turns.
     */
    private static JsonObject run(String mode, int callers, Duration warmup, Duration measure, Callable<?> call)
            throws InterruptedException {
        LoadRun.run(mode, callers, warmup, Duration.ZERO, call);
        long cpuBefore = PROCESS.getProcessCpuTime();
        LoadRun.Result result = LoadRun.run(mode, callers, Duration.ZERO, measure, call);
        long cpuNanos = PROCESS.getProcessCpuTime() - cpuBefore;
        JsonObject run = JsonParser.parseString(result.json()).getAsJsonObject();
        run.addProperty("cpu_us_per_call", round3(cpuNanos / 1e3 / Math.max(1, result.calls())));
        return run;
    }

    /** Records a measured run; round 0's are only printed. */
    private static void append(Path out, JsonObject setup, String operation, int round, JsonObject run) throws Exception {
        System.err.println(operation + " round " + round + " " + run);
        if (round == 0) {
            return;
        }
        run.addProperty("operation", operation);
        run.addProperty("round", round);
        setup.entrySet().forEach(e -> run.add(e.getKey(), e.getValue()));
        Files.writeString(out, run + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The fines in the database and the ways the benchmark picks what to read. */
    static final class Workload {
        final List<String> ids;
        /** ListFines positions with at least a full page after them: jurisdiction and cursor. */
        final List<Map.Entry<String, FineStore.Cursor>> cursors;

        private Workload(List<String> ids, List<Map.Entry<String, FineStore.Cursor>> cursors) {
            this.ids = List.copyOf(ids);
            this.cursors = List.copyOf(cursors);
        }

        /**
         * Inserts {@code count} fines through {@code store} (most OPEN; a tenth contested, a tenth paid,
         * some with a position, create times shared in pairs to exercise the keyset's tie-break), then
         * pages through each jurisdiction's open fines to collect cursors.
         */
        static Workload load(FineStore store, int count, Random random) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            List<Fine> fines = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                fines.add(fine(i, now, random));
            }
            for (int from = 0; from < count; from += 500) {
                store.createAbsent(fines.subList(from, Math.min(count, from + 500)));
            }
            for (int i = 0; i < count; i += 10) {
                pay(store, fines.get(i), now);
            }
            List<Map.Entry<String, FineStore.Cursor>> cursors = new ArrayList<>();
            for (String jurisdiction : JURISDICTIONS) {
                List<FineStore.Cursor> positions = new ArrayList<>();
                FineStore.Cursor after = null;
                while (true) {
                    List<Fine> page = store.list(openIn(jurisdiction, after), 500);
                    if (page.isEmpty()) {
                        break;
                    }
                    page.forEach(f -> positions.add(new FineStore.Cursor(Times.toInstant(f.getCreateTime()), f.getId())));
                    after = positions.getLast();
                }
                positions.subList(0, Math.max(0, positions.size() - PAGE - 1))
                        .forEach(cursor -> cursors.add(Map.entry(jurisdiction, cursor)));
            }
            return new Workload(fines.stream().map(Fine::getId).toList(), cursors);
        }

        private static Fine fine(int i, Instant now, Random random) {
            Instant issued = now.minus(i / 2, ChronoUnit.SECONDS);
            Fine.Builder fine = Fine.newBuilder()
                    .setId(uuid("bench-fine-" + i))
                    .setCitationNumber(String.format(Locale.ROOT, "C-%07d", i))
                    .setJurisdiction(JURISDICTIONS.get(random.nextInt(JURISDICTIONS.size())))
                    .setViolationCode("P" + random.nextInt(40))
                    .setViolationDescription("parked where parking is not allowed")
                    .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(2000 + random.nextInt(20000)))
                    .setIssueTime(Times.toProto(issued))
                    .setDueTime(Times.toProto(issued.plus(Duration.ofDays(5 + random.nextInt(60)))))
                    .setVehiclePlate(String.format(Locale.ROOT, "AB-%04d", random.nextInt(3000)))
                    .setStatus(FineStatus.FINE_STATUS_OPEN)
                    .setOwnerId("owner-" + random.nextInt(500))
                    .setCreateTime(Times.toProto(issued))
                    .setUpdateTime(Times.toProto(issued))
                    .setVersion(1);
            if (random.nextBoolean()) {
                fine.setLocation(Location.newBuilder().setAddress("Damrak " + random.nextInt(200))
                        .setPoint(GeoPoint.newBuilder()
                                .setLatitude(52.3 + random.nextDouble() / 10).setLongitude(4.8 + random.nextDouble() / 10)));
            }
            if (i % 10 == 5) {
                fine.setStatus(FineStatus.FINE_STATUS_CONTESTED).setContest(Contest.newBuilder()
                        .setReason("the sign was covered").addEvidenceUris("https://evidence.example/" + i + "/photo.jpg")
                        .addCitedDocumentIds(uuid("doc-" + i))
                        .setContestTime(Times.toProto(issued.plusSeconds(3600))));
            }
            return fine.build();
        }

        private static void pay(FineStore store, Fine fine, Instant now) {
            store.pay(fine.getId(), fine.getOwnerId(), "bench-pay-" + fine.getId(), new FineStore.PaymentPolicy() {
                @Override
                public void checkReplay(Payment first) {
                }

                @Override
                public Payment payment(Fine current) {
                    return Payment.newBuilder().setId(uuid("payment-" + current.getId()))
                            .setFineId(current.getId()).setIdempotencyKey("bench-pay-" + current.getId())
                            .setAmount(current.getAmount()).setReference("bench").setPaidTime(Times.toProto(now))
                            .setStatus(PaymentStatus.PAYMENT_STATUS_CONFIRMED).setConfirmTime(Times.toProto(now)).build();
                }

                @Override
                public Fine paid(Fine current, Payment payment) {
                    return current.toBuilder().setStatus(FineStatus.FINE_STATUS_PAID).setPayment(payment)
                            .setUpdateTime(Times.toProto(now)).setVersion(current.getVersion() + 1).build();
                }
            });
        }

        /** The same id in every run, so that a rerun's data is the same data. */
        private static String uuid(String name) {
            return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
        }

        static FineStore.FineQuery openIn(String jurisdiction, FineStore.Cursor after) {
            return new FineStore.FineQuery(List.of(FineStatus.FINE_STATUS_OPEN), jurisdiction, null, null, "", "", JurisdictionScope.NONE, after);
        }

        String randomId() {
            return ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
        }

        FineStore.FineQuery randomPageQuery() {
            var position = cursors.get(ThreadLocalRandom.current().nextInt(cursors.size()));
            return openIn(position.getKey(), position.getValue());
        }

        /**
         * Fails unless every store answers {@code samples} reads and pages (first pages included) exactly
         * as the baseline does: a faster port that answers differently measures nothing.
         */
        void checkSameAnswers(Map<String, FineStore> stores, int samples) {
            FineStore baseline = stores.get(BASELINE);
            Random random = new Random(7);
            List<FineStore.FineQuery> queries = new ArrayList<>();
            JURISDICTIONS.forEach(j -> queries.add(openIn(j, null)));
            queries.add(new FineStore.FineQuery(List.of(), "", null, null, "", "", JurisdictionScope.NONE, null));
            for (int i = 0; i < samples; i++) {
                var position = cursors.get(random.nextInt(cursors.size()));
                queries.add(openIn(position.getKey(), position.getValue()));
            }
            for (var store : stores.entrySet()) {
                for (int i = 0; i < samples; i++) {
                    String id = ids.get(random.nextInt(ids.size()));
                    same(store.getKey(), "find " + id, baseline.find(id), store.getValue().find(id));
                }
                same(store.getKey(), "find of an unknown id", baseline.find("no-such-fine"), store.getValue().find("no-such-fine"));
                for (FineStore.FineQuery query : queries) {
                    same(store.getKey(), "list " + query, baseline.list(query, PAGE + 1), store.getValue().list(query, PAGE + 1));
                }
            }
        }

        private static void same(String mode, String what, Object expected, Object actual) {
            if (!expected.equals(actual)) {
                throw new IllegalStateException(mode + " answers " + what + " differently from " + BASELINE);
            }
        }
    }

    /** The median round of each operation and mode, its ratio to the baseline, and the stores' lines of code. */
    static void report(Path runs, Path root, Path result) throws Exception {
        Map<String, Map<String, List<JsonObject>>> byOperation = new LinkedHashMap<>();
        for (String line : Files.readAllLines(runs)) {
            JsonObject run = JsonParser.parseString(line).getAsJsonObject();
            byOperation.computeIfAbsent(run.get("operation").getAsString(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(run.get("name").getAsString(), k -> new ArrayList<>()).add(run);
        }
        JsonObject report = new JsonObject();
        report.addProperty("benchmark", "dbclient_vs_plain_jdbc_fines_store");
        report.addProperty("date", LocalDate.now(ZoneOffset.UTC).toString());
        report.addProperty("machine", Runtime.getRuntime().availableProcessors() + " cores, shared with other builds; "
                + "PostgreSQL on the same box; rounds alternate, so compare the ratios, not the absolute figures");
        report.addProperty("compared", "FineStore.find (the cache-miss GetFine read) and FineStore.list (ListFines: OPEN fines "
                + "of one jurisdiction, a page of " + PAGE + " after a random keyset cursor, limit " + (PAGE + 1) + ") through: "
                + "plain_jdbc = the server's JdbcFineStore on Database (HikariCP, reads in a transaction); sql_helper = the same "
                + "statements written on platform.db.Sql (once the server's store reads through Sql too, the same code twice: "
                + "the noise between two modes that do the same work); dbclient = the spike on helidon-dbclient-jdbc 4.5.0 "
                + "(DbClient.execute(), auto-commit); dbclient_in_transaction = the spike reading in a DbTransaction, as plain_jdbc "
                + "does. The plain-JDBC modes share Database's HikariCP pool, the dbclient modes a second one configured alike; "
                + "both time their statements into the same slow-query log. Every store answers a sample of reads and pages "
                + "exactly as plain_jdbc does before measuring. cpu_us_per_call is the benchmark "
                + "process's CPU time (all its threads: callers, pools, GC, JIT) over the measured run divided by its calls");
        JsonObject results = new JsonObject();
        int rounds = 0;
        for (var operation : byOperation.entrySet()) {
            JsonObject modes = new JsonObject();
            List<JsonObject> baseline = operation.getValue().get(BASELINE);
            for (var mode : operation.getValue().entrySet()) {
                rounds = Math.max(rounds, mode.getValue().size());
                modes.add(mode.getKey(), summary(mode.getValue(), baseline));
            }
            results.add(operation.getKey(), modes);
        }
        report.addProperty("rounds", rounds);
        JsonObject first = byOperation.values().iterator().next().get(BASELINE).getFirst();
        for (String setting : List.of("fines", "callers", "warmup_seconds")) {
            report.add(setting, first.get(setting));
        }
        report.addProperty("seconds_per_run", first.get("seconds").getAsDouble());
        report.add("results", results);
        report.add("lines_of_code", linesOfCode(root));
        Files.writeString(result, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(report) + "\n");
        System.out.println(Files.readString(result));
    }

    /**
     * Median calls/s, p50, p99 and CPU per call over the rounds (each its own median), the throughput ratio
     * to the baseline both as median/median and as the median of each round's ratio to the baseline's
     * round, and the CPU-per-call ratio (above 1: dearer than the baseline).
     */
    static JsonObject summary(List<JsonObject> runs, List<JsonObject> baseline) {
        JsonObject summary = new JsonObject();
        double callsPerSecond = median(runs, "calls_per_second");
        summary.addProperty("median_calls_per_second", callsPerSecond);
        summary.addProperty("median_p50_ms", median(runs, "p50_ms"));
        summary.addProperty("median_p99_ms", median(runs, "p99_ms"));
        double ratio = callsPerSecond / median(baseline, "calls_per_second");
        summary.addProperty("throughput_vs_" + BASELINE, round3(ratio));
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < Math.min(runs.size(), baseline.size()); i++) {
            paired.add(runs.get(i).get("calls_per_second").getAsDouble() / baseline.get(i).get("calls_per_second").getAsDouble());
        }
        summary.addProperty("median_round_ratio_vs_" + BASELINE, round3(median(paired)));
        summary.addProperty("cost", round3(1 - ratio));
        double cpu = median(runs, "cpu_us_per_call");
        summary.addProperty("median_cpu_us_per_call", cpu);
        summary.addProperty("cpu_per_call_vs_" + BASELINE, round3(cpu / median(baseline, "cpu_us_per_call")));
        JsonArray all = new JsonArray();
        runs.forEach(all::add);
        summary.add("rounds", all);
        return summary;
    }

    private static double median(List<JsonObject> runs, String field) {
        return median(runs.stream().map(r -> r.get(field).getAsDouble()).toList());
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted(Comparator.naturalOrder()).toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /**
     * The code each way needs for find and list: the store's entry points, the methods of the same file
     * they reach, and the row mapper with its helpers.
     */
    static JsonObject linesOfCode(Path root) throws Exception {
        Path server = root.resolve("server/src/main/java/com/finehero/server/fines");
        Path bench = root.resolve("bench/src/main/java/com/finehero/server/fines");
        JsonObject loc = new JsonObject();
        loc.addProperty("counted", "non-blank, non-comment lines from a method's signature to its closing brace, for the "
                + "store's find and list (and the dbclient store's named statements), every method of the same file they "
                + "reach by call or method reference, and the row mapper FineMapper.fine or its dbclient counterpart");
        Map<Path, List<String>> mapper = Map.of(server.resolve("FineMapper.java"), List.of("fine"));
        loc.add(BASELINE, lines(Map.of(server.resolve("JdbcFineStore.java"), List.of("find", "list")), mapper));
        loc.add("sql_helper", lines(Map.of(bench.resolve("SqlFineStore.java"), List.of("find", "list")), mapper));
        loc.add("dbclient", lines(Map.of(bench.resolve("DbClientFineStore.java"), List.of("statements", "find", "list")), Map.of()));
        return loc;
    }

    @SafeVarargs
    private static JsonObject lines(Map<Path, List<String>>... entryPoints) throws Exception {
        JsonObject counts = new JsonObject();
        int total = 0;
        for (Map<Path, List<String>> files : entryPoints) {
            for (var file : files.entrySet()) {
                String type = file.getKey().getFileName().toString().replace(".java", "");
                for (var method : SourceLines.reached(file.getKey(), file.getValue()).entrySet()) {
                    counts.addProperty(type + "." + method.getKey(), method.getValue());
                    total += method.getValue();
                }
            }
        }
        counts.addProperty("total", total);
        return counts;
    }
}
