package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.finehero.api.common.v1.Money;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.monitoring.v1.CacheStats;
import com.finehero.api.monitoring.v1.GetCacheStatsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * The cache benchmark, in steps the script runs against server processes:
 * <pre>
 * CacheBench load    host port ids.txt                          10 000 fines + 2 000 documents
 * CacheBench measure host port ids.txt label seconds out.json   Zipf GetFine/GetDocument mix + latency + search
 * CacheBench report  off.json on.json relaxed.json result.json  ratios against the targets
 * </pre>
 */
public final class CacheBench {

    static final int FINES = 10_000;
    static final int DOCUMENTS = 2_000;
    static final String[] WORDS = {"parking", "meter", "zone", "bus", "tow", "vehicle", "permit", "street", "sign",
            "hydrant", "curb", "loading", "residential", "commercial", "appeal", "hearing", "citation", "fine",
            "penalty", "notice", "driver", "owner", "registration", "plate", "speed", "camera", "school", "crosswalk",
            "disabled", "placard", "overtime", "sweeping", "holiday", "weekend", "night", "evidence", "photo",
            "ordinance", "statute", "section", "municipal", "code", "court", "judge", "dismissed", "upheld"};
    static final List<String> QUERIES = List.of("parking", "hydrant curb", "\"parking meter\"", "tow*",
            "appeal hearing", "placard disabled", "sweep*", "evidence photo", "dismissed", "code section");

    private CacheBench() {
    }

    public static void main(String[] args) throws Exception {
        ManagedChannel raw = NettyChannelBuilder.forAddress(args[1], Integer.parseInt(args[2])).usePlaintext().build();
        io.grpc.Channel channel = BenchAuth.signedIn(raw);
        try {
            switch (args[0]) {
                case "load" -> load(channel, Path.of(args[3]));
                case "measure" -> measure(channel, Path.of(args[3]), args[4], Integer.parseInt(args[5]), Path.of(args[6]));
                default -> throw new IllegalArgumentException("unknown step " + args[0]);
            }
        } finally {
            raw.shutdownNow();
        }
    }

    /** Report step: no server needed. */
    public static final class Report {
        public static void main(String[] args) throws Exception {
            JsonObject off = JsonParser.parseString(Files.readString(Path.of(args[0]))).getAsJsonObject();
            JsonObject on = JsonParser.parseString(Files.readString(Path.of(args[1]))).getAsJsonObject();
            JsonObject relaxed = JsonParser.parseString(Files.readString(Path.of(args[2]))).getAsJsonObject();
            JsonObject offSteady = off.getAsJsonObject("steady");
            JsonObject onSteady = on.getAsJsonObject("steady");
            double offQueriesPerCall = offSteady.get("db_loads").getAsDouble() / offSteady.getAsJsonObject("mix").get("calls").getAsDouble();
            double onQueriesPerCall = onSteady.get("db_loads").getAsDouble() / onSteady.getAsJsonObject("mix").get("calls").getAsDouble();
            JsonObject result = new JsonObject();
            result.addProperty("benchmark", "cache_zipf_reads");
            result.addProperty("date", Instant.now().toString());
            result.addProperty("cpus", Runtime.getRuntime().availableProcessors());
            result.addProperty("fines", FINES);
            result.addProperty("documents", DOCUMENTS);
            result.addProperty("zipf_exponent", 1.0);
            result.add("cache_off", off);
            result.add("cache_on", on);
            result.addProperty("near_trusted_for_on", "PT0S");
            result.add("cache_on_relaxed", relaxed);
            result.addProperty("near_trusted_for_relaxed", "PT0.1S");
            result.addProperty("throughput_relaxed_vs_on", relaxed.getAsJsonObject("steady").getAsJsonObject("mix")
                    .get("calls_per_second").getAsDouble() / onSteady.getAsJsonObject("mix").get("calls_per_second").getAsDouble());
            result.addProperty("load_average_1m_at_end", Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            result.addProperty("hit_rate_on", onSteady.get("hit_rate").getAsDouble());
            result.addProperty("hit_rate_on_cold_start", on.getAsJsonObject("cold").get("hit_rate").getAsDouble());
            result.addProperty("db_queries_per_read_off", offQueriesPerCall);
            result.addProperty("db_queries_per_read_on", onQueriesPerCall);
            result.addProperty("db_query_reduction", 1 - onQueriesPerCall / offQueriesPerCall);
            result.addProperty("throughput_on_vs_off", onSteady.getAsJsonObject("mix").get("calls_per_second").getAsDouble()
                    / offSteady.getAsJsonObject("mix").get("calls_per_second").getAsDouble());
            JsonObject targets = new JsonObject();
            targets.addProperty("hit_rate_min", 0.9);
            targets.addProperty("db_query_reduction_min", 0.8);
            targets.addProperty("cached_get_document_p99_ms_max", 2.0);
            result.add("targets", targets);
            Files.writeString(Path.of(args[3]), result + "\n");
            System.out.println(result);
        }
    }

    private static void load(io.grpc.Channel channel, Path idsFile) throws Exception {
        var fines = FinesServiceGrpc.newBlockingStub(channel);
        var documents = DocumentsServiceGrpc.newBlockingStub(channel);
        Random random = new Random(7);
        List<String> lines = new ArrayList<>();
        Instant now = Instant.now();
        String run = UUID.randomUUID().toString().substring(0, 6);
        List<Thread> loaders = new ArrayList<>();
        List<String> fineIds = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int worker = 0; worker < 8; worker++) {
            int w = worker;
            loaders.add(Thread.ofVirtual().start(() -> {
                for (int i = w; i < FINES; i += 8) {
                    Fine fine = fines.withDeadlineAfter(10, TimeUnit.SECONDS).createFine(CreateFineRequest.newBuilder()
                            .setFine(Fine.newBuilder().setCitationNumber("Z" + run + "-" + i).setJurisdiction("BENCH")
                                    .setViolationCode("V" + (i % 40)).setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(2500 + i))
                                    .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                                    .setDueTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond())))
                            .build());
                    fineIds.add(i + " " + fine.getId());
                }
            }));
        }
        for (Thread loader : loaders) {
            loader.join();
        }
        fineIds.stream().sorted((a, b) -> Integer.compare(Integer.parseInt(a.split(" ")[0]), Integer.parseInt(b.split(" ")[0])))
                .forEach(l -> lines.add("fine " + l.split(" ")[1]));
        for (int i = 0; i < DOCUMENTS; i++) {
            StringBuilder content = new StringBuilder();
            for (int w = 0; w < 150 + random.nextInt(300); w++) {
                content.append(WORDS[(int) (Math.pow(random.nextDouble(), 2) * WORDS.length)]).append(w % 10 == 9 ? ". " : " ");
            }
            Document document = documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                    .setTitle("Bench " + i + " " + WORDS[random.nextInt(WORDS.length)]).setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                    .setJurisdiction("BENCH").setContent(content.toString())).build());
            lines.add("document " + document.getId());
        }
        Files.write(idsFile, lines);
        System.err.println("loaded " + FINES + " fines and " + DOCUMENTS + " documents");
    }

    private static void measure(io.grpc.Channel channel, Path idsFile, String label, int seconds, Path out) throws Exception {
        List<String> fineIds = new ArrayList<>();
        List<String> documentIds = new ArrayList<>();
        for (String line : Files.readAllLines(idsFile)) {
            String[] parts = line.split(" ");
            (parts[0].equals("fine") ? fineIds : documentIds).add(parts[1]);
        }
        var fines = FinesServiceGrpc.newBlockingStub(channel);
        var documents = DocumentsServiceGrpc.newBlockingStub(channel);
        Zipf fineKeys = new Zipf(fineIds.size(), 1.0);
        Zipf documentKeys = new Zipf(documentIds.size(), 1.0);

        JsonObject result = new JsonObject();
        result.addProperty("label", label);
        // the same Zipf mix twice: from a cold cache, then at steady state (the target applies to the latter)
        for (String phase : List.of("cold", "steady")) {
            CacheTotals before = totals(channel);
            LoadRun.Result mix = LoadRun.run("zipf GetFine/GetDocument 50/50 " + phase, 16, Duration.ZERO,
                    Duration.ofSeconds(seconds), () -> {
                        if (ThreadLocalRandom.current().nextBoolean()) {
                            return fines.withDeadlineAfter(5, TimeUnit.SECONDS)
                                    .getFine(GetFineRequest.newBuilder().setFineId(fineIds.get(fineKeys.next())).build());
                        }
                        return documents.withDeadlineAfter(5, TimeUnit.SECONDS).getDocument(GetDocumentRequest.newBuilder()
                                .setDocumentId(documentIds.get(documentKeys.next())).build());
                    });
            CacheTotals after = totals(channel);
            long hits = after.hits() - before.hits();
            long misses = after.misses() - before.misses();
            JsonObject phaseResult = new JsonObject();
            phaseResult.add("mix", JsonParser.parseString(mix.json()));
            phaseResult.addProperty("cache_reads", hits + misses);
            phaseResult.addProperty("hit_rate", hits + misses == 0 ? 0 : (double) hits / (hits + misses));
            phaseResult.addProperty("db_loads", after.loads() - before.loads());
            result.add(phase, phaseResult);
        }

        // latency of single-document reads at low concurrency, hottest 100 keys (cached when the cache is on)
        LoadRun.Result getDocument = LoadRun.run("GetDocument hot keys, 2 callers", 2, Duration.ofSeconds(2),
                Duration.ofSeconds(Math.max(5, seconds / 2)), () -> documents.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .getDocument(GetDocumentRequest.newBuilder().setDocumentId(documentIds.get(documentKeys.next() % 100)).build()));
        result.add("get_document_low_concurrency", JsonParser.parseString(getDocument.json()));

        LoadRun.Result search = LoadRun.run("SearchDocuments over the corpus", 8, Duration.ofSeconds(2),
                Duration.ofSeconds(Math.max(5, seconds / 2)), () -> documents.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .searchDocuments(SearchDocumentsRequest.newBuilder()
                                .setQuery(QUERIES.get(ThreadLocalRandom.current().nextInt(QUERIES.size())))
                                .setJurisdiction("BENCH").setPageSize(10).build()));
        result.add("search", JsonParser.parseString(search.json()));
        Files.writeString(out, result + "\n");
        System.err.println(label + ": " + result);
    }

    private record CacheTotals(long hits, long misses, long loads) { }

    private static CacheTotals totals(io.grpc.Channel channel) {
        long hits = 0, misses = 0, loads = 0;
        for (CacheStats stats : MonitoringServiceGrpc.newBlockingStub(channel)
                .getCacheStats(GetCacheStatsRequest.getDefaultInstance()).getCachesList()) {
            if (stats.getName().equals("fines") || stats.getName().equals("documents")) {
                hits += stats.getHits();
                misses += stats.getMisses();
                loads += stats.getLoads();
            }
        }
        return new CacheTotals(hits, misses, loads);
    }

}
