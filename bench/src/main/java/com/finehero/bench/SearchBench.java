package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.api.documents.v1.SearchDocumentsResponse;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.client.Credentials;
import com.finehero.server.documents.CorpusLoader;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The search benchmark's client ({@code src/bench/search.sh}).
 * <pre>
 * SearchBench load-postgres jdbc-url user schema documents seed out.json   bulk import (COPY), then ANALYZE
 * SearchBench load-h2 jdbc-url documents seed out.json                     bulk import (batched inserts)
 * SearchBench measure host port postgres|embedded jdbc-url|- user schema documents seed seconds rounds out.json
 * </pre>
 * {@code measure} runs the fixed query set ({@link #queries}) as a new viewer at {@link #CONCURRENCY}
 * callers through SearchDocuments (the server runs with its cache off), and on PostgreSQL, in rounds
 * alternating with it, the floor: the same queries hand-written ({@code websearch_to_tsquery} +
 * {@code ts_rank_cd} over the GIN index, one page) through plain JDBC at the same concurrency. Then
 * CreateDocument throughput at the same concurrency, and search latency while one writer creates
 * documents. Every figure carries the load average of the box.
 */
public final class SearchBench {

    static final int CONCURRENCY = 8;
    static final int PAGE = 10;

    private SearchBench() {
    }

    /** One query of the fixed set: its class (single, and, phrase, prefix, filter, deep), text, filters and offset. */
    record Query(String name, String type, String text, String kind, String jurisdiction, String tag, int offset) {
        Query(String type, String text) {
            this(type + ":" + text, type, text, "", "", "", 0);
        }
    }

    /** The fixed query set, in words of known Zipf ranks of the seeded vocabulary. */
    static List<Query> queries(SearchCorpus corpus) {
        List<Query> queries = new ArrayList<>();
        for (int rank : new int[] {40, 400, 4_000, 30_000}) {
            queries.add(new Query("single", corpus.word(rank)));
        }
        queries.add(new Query("and", corpus.word(60) + " " + corpus.word(600)));
        queries.add(new Query("and", corpus.word(100) + " " + corpus.word(1_000) + " " + corpus.word(3_000)));
        queries.add(new Query("and", corpus.word(30) + " " + corpus.word(300) + " " + corpus.word(1_500) + " " + corpus.word(6_000)));
        queries.add(new Query("phrase", "\"motor vehicle\""));
        queries.add(new Query("phrase", "\"traffic control device\""));
        queries.add(new Query("phrase", "\"notice of violation\" " + corpus.word(200)));
        queries.add(new Query("prefix", "park*"));
        queries.add(new Query("prefix", corpus.word(500).substring(0, 4) + "*"));
        queries.add(new Query("prefix", corpus.word(2_000).substring(0, 3) + "* " + corpus.word(150)));
        queries.add(new Query("filter:" + corpus.word(400) + "@US-S1", "filter", corpus.word(400), "", "US-S1", "", 0));
        queries.add(new Query("filter:" + corpus.word(100) + "#PRECEDENT", "filter", corpus.word(100), "PRECEDENT", "", "", 0));
        queries.add(new Query("filter:" + corpus.word(200) + "+parking", "filter", corpus.word(200), "", "", "parking", 0));
        queries.add(new Query("deep:" + corpus.word(40) + "@200", "deep", corpus.word(40), "", "", "", 200));
        queries.add(new Query("deep:motor vehicle@100", "deep", "\"motor vehicle\"", "", "", "", 100));
        return queries;
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "load-postgres" -> loadPostgres(args[1], args[2], args[3], Integer.parseInt(args[4]), Long.parseLong(args[5]), Path.of(args[6]));
            case "load-h2" -> loadH2(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), Path.of(args[4]));
            case "measure" -> measure(args);
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static CorpusLoader.Row row(SearchCorpus corpus, int index) {
        SearchCorpus.Doc d = corpus.document(index);
        return new CorpusLoader.Row(d.index(), d.title(), d.kind(), d.jurisdiction(), d.tags(), d.content(), d.isPrivate());
    }

    private static void loadPostgres(String url, String user, String schema, int documents, long seed, Path out) throws Exception {
        SearchCorpus corpus = new SearchCorpus(seed);
        Map<String, Object> result = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(url, user, "")) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET search_path TO " + schema);
            }
            connection.commit();
            long start = System.nanoTime();
            CorpusLoader.toPostgres(connection, i -> row(corpus, i), 0, documents, 500);
            double seconds = (System.nanoTime() - start) / 1e9;
            connection.setAutoCommit(true);
            long analyzeStart = System.nanoTime();
            try (Statement statement = connection.createStatement()) {
                statement.execute("VACUUM ANALYZE documents");
                statement.execute("ANALYZE document_tags");
            }
            result.put("documents", documents);
            result.put("seconds", round(seconds));
            result.put("documents_per_second", round(documents / seconds));
            result.put("vacuum_analyze_seconds", round((System.nanoTime() - analyzeStart) / 1e9));
            result.put("method", "COPY of documents, versions and tags in batches of 500, terms and excerpts computed by the server's code");
        }
        result.put("load_average_after", loadAverage());
        write(out, result);
    }

    private static void loadH2(String url, int documents, long seed, Path out) throws Exception {
        SearchCorpus corpus = new SearchCorpus(seed);
        Map<String, Object> result = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            connection.setAutoCommit(false);
            long start = System.nanoTime();
            CorpusLoader.toH2(connection, i -> row(corpus, i), 0, documents, 500);
            double seconds = (System.nanoTime() - start) / 1e9;
            result.put("documents", documents);
            result.put("seconds", round(seconds));
            result.put("documents_per_second", round(documents / seconds));
            result.put("method", "batched INSERTs of documents, versions and tags, 500 per commit, into the stopped server's H2 file");
        }
        result.put("load_average_after", loadAverage());
        write(out, result);
    }

    private static void measure(String[] args) throws Exception {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        boolean postgres = args[3].equals("postgres");
        String url = args[4];
        String user = args[5];
        String schema = args[6];
        int documents = Integer.parseInt(args[7]);
        SearchCorpus corpus = new SearchCorpus(Long.parseLong(args[8]));
        int seconds = Integer.parseInt(args[9]);
        int rounds = Integer.parseInt(args[10]);
        Path out = Path.of(args[11]);
        List<Query> queries = queries(corpus);

        ManagedChannel raw = NettyChannelBuilder.forAddress(host, port).usePlaintext().maxInboundMessageSize(64 << 20).build();
        Channel admin = BenchAuth.signedIn(raw);
        DocumentsServiceGrpc.DocumentsServiceBlockingStub viewer = DocumentsServiceGrpc.newBlockingStub(viewer(raw, admin));
        DocumentsServiceGrpc.DocumentsServiceBlockingStub writer = DocumentsServiceGrpc.newBlockingStub(admin);
        Map<String, String> tokens = deepTokens(viewer, queries);

        Map<String, Object> result = new TreeMap<>();
        result.put("mode", postgres ? "postgresql" : "embedded");
        result.put("documents", documents);
        result.put("concurrency", CONCURRENCY);
        result.put("seconds", seconds);
        result.put("rounds", rounds);
        result.put("queries", queries.stream().map(Query::name).toList());
        result.put("load_average_before", loadAverage());
        result.put("matches", matches(viewer, queries, tokens));

        Connection[] floorConnections = new Connection[CONCURRENCY];
        if (postgres) {
            for (int i = 0; i < CONCURRENCY; i++) {
                floorConnections[i] = DriverManager.getConnection(url, user, "");
                try (Statement statement = floorConnections[i].createStatement()) {
                    statement.execute("SET search_path TO " + schema);
                }
            }
        }
        Caller server = (caller, query) -> search(viewer, query, tokens);
        Caller floor = (caller, query) -> floor(floorConnections[caller], query);
        result.put("serial_median_ms", serial(queries, server, postgres ? floor : null));
        // warm-up, not measured: the JIT of both JVMs and PostgreSQL's buffers
        run(queries, server, Math.max(5, seconds / 2), false);
        if (postgres) {
            run(queries, floor, Math.max(5, seconds / 2), false);
        }
        List<Map<String, Object>> serverRuns = new ArrayList<>();
        List<Map<String, Object>> floorRuns = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            if (postgres && round % 2 == 1) {
                floorRuns.add(run(queries, floor, seconds, true));
            }
            serverRuns.add(run(queries, server, seconds, true));
            if (postgres && round % 2 == 0) {
                floorRuns.add(run(queries, floor, seconds, true));
            }
        }
        result.put("search_runs", serverRuns);
        Map<String, Object> median = median(serverRuns);
        result.put("search", median);
        if (postgres) {
            result.put("floor_runs", floorRuns);
            Map<String, Object> floorMedian = median(floorRuns);
            result.put("floor", floorMedian);
            result.put("search_to_floor", round((double) median.get("calls_per_second") / (double) floorMedian.get("calls_per_second")));
            result.put("floor_method", "the same queries as hand-written SQL: websearch_to_tsquery('simple', text) (to_tsquery "
                    + "'prefix:*' for prefixes, which websearch syntax lacks), ts_rank_cd, ORDER BY rank LIMIT 10 OFFSET n, "
                    + "with the kind/jurisdiction/tag filters, no visibility condition, no count, no snippets");
        }

        AtomicInteger next = new AtomicInteger(documents + 1_000_000);
        result.put("create_document", run(List.of(new Query("create", "")), (caller, query) -> create(writer, corpus, next.getAndIncrement()),
                seconds, true));
        AtomicLong written = new AtomicLong();
        long writeStart = System.nanoTime();
        Thread writing = Thread.ofVirtual().start(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                try {
                    create(writer, corpus, next.getAndIncrement());
                    written.incrementAndGet();
                } catch (RuntimeException e) {
                    // counted by absence
                }
            }
        });
        Map<String, Object> whileWriting = run(queries, server, seconds, true);
        writing.join();
        whileWriting.put("documents_written_per_second", round(written.get() / ((System.nanoTime() - writeStart) / 1e9)));
        result.put("search_while_writing", whileWriting);

        if (postgres) {
            result.put("postgres_sizes_bytes", sizes(floorConnections[0]));
            for (Connection connection : floorConnections) {
                connection.close();
            }
        }
        result.put("load_average_after", loadAverage());
        result.put("date", Instant.now().toString());
        write(out, result);
        raw.shutdownNow();
    }

    /** Each query alone, one caller, 5 times after one untimed call: the median, through the server and as the floor. */
    private static Map<String, Object> serial(List<Query> queries, Caller server, Caller floor) throws Exception {
        Map<String, Object> medians = new TreeMap<>();
        for (Query query : queries) {
            Map<String, Object> one = new TreeMap<>();
            one.put("server", medianMillis(server, query));
            if (floor != null) {
                one.put("floor", medianMillis(floor, query));
            }
            medians.put(query.name(), one);
        }
        return medians;
    }

    private static double medianMillis(Caller caller, Query query) throws Exception {
        caller.call(0, query);
        double[] times = new double[5];
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            caller.call(0, query);
            times[i] = (System.nanoTime() - t0) / 1e6;
        }
        java.util.Arrays.sort(times);
        return round(times[times.length / 2]);
    }

    interface Caller {
        void call(int caller, Query query) throws Exception;
    }

    /** {@link #CONCURRENCY} callers in a closed loop over the query set for {@code seconds}, each starting elsewhere in it. */
    private static Map<String, Object> run(List<Query> queries, Caller caller, int seconds, boolean measured) throws InterruptedException {
        Recorder all = new Recorder(3);
        Map<String, Recorder> byType = new TreeMap<>();
        queries.forEach(q -> byType.putIfAbsent(q.type(), new Recorder(3)));
        AtomicLong errors = new AtomicLong();
        List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CONCURRENCY; c++) {
            int id = c;
            threads.add(Thread.ofVirtual().start(() -> {
                int i = id * queries.size() / CONCURRENCY;
                while (System.nanoTime() < end) {
                    Query query = queries.get(i++ % queries.size());
                    long t0 = System.nanoTime();
                    try {
                        caller.call(id, query);
                        long took = System.nanoTime() - t0;
                        all.recordValue(took);
                        byType.get(query.type()).recordValue(took);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        if (firstErrors.size() < 3) {
                            firstErrors.add(query.name() + ": " + e);
                        }
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Object> result = summary(all.getIntervalHistogram(), elapsed);
        result.put("errors", errors.get());
        if (!firstErrors.isEmpty()) {
            result.put("first_errors", firstErrors);
        }
        if (measured) {
            Map<String, Object> types = new TreeMap<>();
            byType.forEach((type, recorder) -> types.put(type, summary(recorder.getIntervalHistogram(), elapsed)));
            result.put("by_type", types);
        }
        result.put("load_average", loadAverage());
        return result;
    }

    private static Map<String, Object> summary(Histogram histogram, double seconds) {
        Map<String, Object> summary = new TreeMap<>();
        summary.put("calls", histogram.getTotalCount());
        summary.put("calls_per_second", round(histogram.getTotalCount() / seconds));
        summary.put("p50_ms", round(histogram.getValueAtPercentile(50) / 1e6));
        summary.put("p95_ms", round(histogram.getValueAtPercentile(95) / 1e6));
        summary.put("p99_ms", round(histogram.getValueAtPercentile(99) / 1e6));
        summary.put("max_ms", round(histogram.getMaxValue() / 1e6));
        return summary;
    }

    private static Map<String, Object> median(List<Map<String, Object>> runs) {
        List<Map<String, Object>> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare((double) a.get("calls_per_second"), (double) b.get("calls_per_second")));
        return sorted.get(sorted.size() / 2);
    }

    private static SearchDocumentsRequest.Builder request(Query query) {
        SearchDocumentsRequest.Builder request = SearchDocumentsRequest.newBuilder().setQuery(query.text()).setPageSize(PAGE)
                .setJurisdiction(query.jurisdiction());
        if (!query.kind().isEmpty()) {
            request.setKind(DocumentKind.valueOf("DOCUMENT_KIND_" + query.kind()));
        }
        if (!query.tag().isEmpty()) {
            request.addTags(query.tag());
        }
        return request;
    }

    private static SearchDocumentsResponse search(DocumentsServiceGrpc.DocumentsServiceBlockingStub viewer, Query query,
                                                  Map<String, String> tokens) {
        SearchDocumentsRequest.Builder request = request(query);
        if (query.offset() > 0) {
            request.setPageToken(tokens.get(query.name()));
        }
        return viewer.withDeadlineAfter(60, TimeUnit.SECONDS).searchDocuments(request.build());
    }

    /** The page token of each deep query's page: walked to once, in pages of {@link #PAGE}, by the same viewer. */
    private static Map<String, String> deepTokens(DocumentsServiceGrpc.DocumentsServiceBlockingStub viewer, List<Query> queries) {
        Map<String, String> tokens = new TreeMap<>();
        for (Query query : queries) {
            if (query.offset() == 0) {
                continue;
            }
            String token = "";
            for (int offset = 0; offset < query.offset(); offset += PAGE) {
                SearchDocumentsResponse page = viewer.withDeadlineAfter(120, TimeUnit.SECONDS)
                        .searchDocuments(request(query).setPageToken(token).build());
                token = page.getNextPageToken();
                if (token.isEmpty()) {
                    throw new IllegalStateException(query.name() + " has fewer than " + query.offset() + " matches; a larger corpus is needed");
                }
            }
            tokens.put(query.name(), token);
        }
        return tokens;
    }

    /** How many documents each query matches, as the server counts them for the viewer. */
    private static Map<String, Object> matches(DocumentsServiceGrpc.DocumentsServiceBlockingStub viewer, List<Query> queries,
                                               Map<String, String> tokens) {
        Map<String, Object> matches = new TreeMap<>();
        for (Query query : queries) {
            matches.put(query.name(), search(viewer, query, tokens).getTotalMatches());
        }
        return matches;
    }

    private static void floor(Connection connection, Query query) throws Exception {
        boolean prefix = query.text().contains("*");
        String tsquery = prefix
                ? "to_tsquery('simple', ?)"
                : "websearch_to_tsquery('simple', ?)";
        String text = prefix
                ? String.join(" & ", List.of(query.text().split(" "))).replace("*", ":*")
                : query.text();
        StringBuilder sql = new StringBuilder("SELECT id, ts_rank_cd(search_vector, q) AS rank FROM documents, " + tsquery
                + " q WHERE search_vector @@ q");
        List<Object> params = new ArrayList<>(List.of(text));
        if (!query.kind().isEmpty()) {
            sql.append(" AND kind = ?");
            params.add(query.kind());
        }
        if (!query.jurisdiction().isEmpty()) {
            sql.append(" AND jurisdiction = ?");
            params.add(query.jurisdiction());
        }
        if (!query.tag().isEmpty()) {
            sql.append(" AND EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = documents.id AND t.tag = ?)");
            params.add(query.tag());
        }
        sql.append(" ORDER BY rank DESC LIMIT ").append(PAGE).append(" OFFSET ").append(query.offset());
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
                statement.setObject(i + 1, params.get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    rows.getString(1);
                }
            }
        }
    }

    private static void create(DocumentsServiceGrpc.DocumentsServiceBlockingStub writer, SearchCorpus corpus, int index) {
        SearchCorpus.Doc d = corpus.document(index);
        writer.withDeadlineAfter(60, TimeUnit.SECONDS).createDocument(CreateDocumentRequest.newBuilder().setDocument(Document.newBuilder()
                .setTitle(d.title()).setKind(DocumentKind.valueOf("DOCUMENT_KIND_" + d.kind())).setJurisdiction(d.jurisdiction())
                .addAllTags(d.tags()).setContent(d.content())
                .setVisibility(d.isPrivate() ? Visibility.VISIBILITY_PRIVATE : Visibility.VISIBILITY_PUBLIC)).build());
    }

    private static Map<String, Object> sizes(Connection connection) throws Exception {
        Map<String, Object> sizes = new TreeMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_relation_size('documents_search'), pg_relation_size('documents'), "
                     + "pg_total_relation_size('documents'), pg_total_relation_size('document_versions')")) {
            row.next();
            sizes.put("gin_index", row.getLong(1));
            sizes.put("documents_heap", row.getLong(2));
            sizes.put("documents_total_with_toast_and_indexes", row.getLong(3));
            sizes.put("document_versions_total", row.getLong(4));
        }
        return sizes;
    }

    /** A new viewer, created by the admin, and a channel signed in as them. */
    private static Channel viewer(ManagedChannel raw, Channel admin) {
        String username = "bench-viewer-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "bench-viewer-password-" + UUID.randomUUID();
        AuthServiceGrpc.newBlockingStub(admin).createUser(CreateUserRequest.newBuilder().setUsername(username).setPassword(password)
                .addRoles(Role.ROLE_VIEWER).build());
        return ClientInterceptors.intercept(raw, new Credentials.Attach(Credentials.login(username, password), raw));
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static void write(Path out, Map<String, Object> result) throws java.io.IOException {
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        Files.writeString(out, gson.toJson(result) + "\n");
        System.out.println(String.format(Locale.ROOT, "%s written", out));
    }
}
