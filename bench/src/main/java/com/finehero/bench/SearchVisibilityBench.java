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

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.client.Credentials;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Search as a viewer on two servers of different builds (a base and this tree), one sitting: the same
 * corpus is loaded into each, then rounds alternate between them so drift on the box hits both.
 * <pre>
 * SearchVisibilityBench host base_port head_port rounds seconds out.json
 * </pre>
 * Both servers run with the cache off, so every search is a database query: the base build's plain
 * search against this build's search filtered by the caller's visibility.
 */
public final class SearchVisibilityBench {

    static final int DOCUMENTS = 1_000;
    static final int CONCURRENCY = 8;

    private SearchVisibilityBench() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int rounds = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        List<ManagedChannel> raws = new ArrayList<>();
        List<DocumentsServiceGrpc.DocumentsServiceBlockingStub> viewers = new ArrayList<>();
        for (String port : List.of(args[1], args[2])) {
            ManagedChannel raw = NettyChannelBuilder.forAddress(host, Integer.parseInt(port)).usePlaintext().build();
            raws.add(raw);
            Channel admin = BenchAuth.signedIn(raw);
            load(admin);
            viewers.add(DocumentsServiceGrpc.newBlockingStub(viewer(raw, admin)));
        }
        JsonObject result = new JsonObject();
        result.addProperty("benchmark", "search_visibility");
        result.addProperty("date", Instant.now().toString());
        result.addProperty("cpus", Runtime.getRuntime().availableProcessors());
        result.addProperty("documents", DOCUMENTS);
        result.addProperty("concurrency", CONCURRENCY);
        result.addProperty("rounds", rounds);
        result.addProperty("seconds", seconds);
        result.addProperty("load_average_before", loadBefore);
        List<String> labels = List.of("base", "head");
        JsonObject runs = new JsonObject();
        labels.forEach(label -> runs.add(label, new JsonArray()));
        for (int i = 0; i < 2; i++) { // JIT and connection warm-up of both servers, not measured
            search(viewers.get(i), "warm " + labels.get(i), Duration.ofSeconds(1), Duration.ofSeconds(Math.max(3, seconds / 2)));
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 2; i++) {
                int which = round % 2 == 0 ? i : 1 - i; // base first, then head first, and so on
                LoadRun.Result run = search(viewers.get(which), labels.get(which), Duration.ZERO, Duration.ofSeconds(seconds));
                runs.getAsJsonArray(labels.get(which)).add(JsonParser.parseString(run.json()));
            }
        }
        result.add("runs", runs);
        result.addProperty("load_average_after", Files.readString(Path.of("/proc/loadavg")).trim());
        double base = median(runs.getAsJsonArray("base"));
        double head = median(runs.getAsJsonArray("head"));
        result.addProperty("base_median_calls_per_second", base);
        result.addProperty("head_median_calls_per_second", head);
        result.addProperty("head_to_base", Math.round(head / base * 1000) / 1000.0);
        result.addProperty("target_head_to_base_min", 0.9);
        Files.writeString(Path.of(args[5]), result + "\n");
        System.out.println(result);
        raws.forEach(ManagedChannel::shutdownNow);
    }

    /** The cache benchmark's corpus and queries (same seed, so both servers hold the same text), all PUBLIC. */
    private static void load(Channel admin) {
        var documents = DocumentsServiceGrpc.newBlockingStub(admin);
        Random random = new Random(7);
        String[] words = CacheBench.WORDS;
        for (int i = 0; i < DOCUMENTS; i++) {
            StringBuilder content = new StringBuilder();
            for (int w = 0; w < 150 + random.nextInt(300); w++) {
                content.append(words[(int) (Math.pow(random.nextDouble(), 2) * words.length)]).append(w % 10 == 9 ? ". " : " ");
            }
            documents.withDeadlineAfter(20, TimeUnit.SECONDS).createDocument(CreateDocumentRequest.newBuilder()
                    .setDocument(Document.newBuilder().setTitle("Bench " + i + " " + words[random.nextInt(words.length)])
                            .setKind(DocumentKind.DOCUMENT_KIND_STATUTE).setJurisdiction("BENCH").setContent(content.toString())).build());
        }
    }

    /** A new viewer, created by the admin, and a channel signed in as them. */
    private static Channel viewer(ManagedChannel raw, Channel admin) {
        String username = "bench-viewer-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "bench-viewer-password-" + UUID.randomUUID();
        AuthServiceGrpc.newBlockingStub(admin).createUser(CreateUserRequest.newBuilder().setUsername(username).setPassword(password)
                .addRoles(Role.ROLE_VIEWER).build());
        return ClientInterceptors.intercept(raw, new Credentials.Attach(Credentials.login(username, password), raw));
    }

    private static LoadRun.Result search(DocumentsServiceGrpc.DocumentsServiceBlockingStub viewer, String name, Duration warmup,
                                         Duration measure) throws InterruptedException {
        return LoadRun.run(name, CONCURRENCY, warmup, measure, () -> viewer.withDeadlineAfter(20, TimeUnit.SECONDS)
                .searchDocuments(SearchDocumentsRequest.newBuilder()
                        .setQuery(CacheBench.QUERIES.get(ThreadLocalRandom.current().nextInt(CacheBench.QUERIES.size())))
                        .setJurisdiction("BENCH").setPageSize(10).build()));
    }

    private static double median(JsonArray runs) {
        List<Double> rates = new ArrayList<>();
        runs.forEach(run -> rates.add(run.getAsJsonObject().get("calls_per_second").getAsDouble()));
        rates.sort(Double::compare);
        return rates.get(rates.size() / 2);
    }
}
