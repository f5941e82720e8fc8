package com.finehero.bench;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.finehero.api.common.v1.Money;
import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.google.gson.Gson;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Watchers of the event feed under a steady stream of fine updates: {@code watchers} of them, each
 * watching one fine ({@code fine_id}), ten watchers per fine, spread over the three faces (6 in 10 gRPC
 * streams on a few shared channels, 2 in 10 Server-Sent Events, 2 in 10 WebSockets), while a producer
 * updates random fines at {@code rate} a second through {@code producerPort} (another instance, or the
 * same). Every acknowledged update must reach each of its fine's watchers exactly once; delivery lag is
 * arrival time minus the event's commit time (one clock: same machine). Database transactions a second
 * come from {@code pg_stat_database} for the benchmark's own database. One JSON line per run:
 * <pre>
 * RealtimeBench label watchHost watchPort producerPort watchers rate seconds jdbcUrl out.ndjson [serverPid]
 * </pre>
 * With the watched server's pid, its heap after a full GC and its RSS are sampled before the watchers
 * open and again while they are open and idle: the memory an idle watcher holds.
 */
public final class RealtimeBench {

    private static final Pattern FACE_LABEL = Pattern.compile("face=\"([^\"]+)\"");
    private static final Pattern BUCKET_BOUND = Pattern.compile("le=\"([^\"]+)\"");
    private static final Pattern STREAMS = Pattern.compile("(?m)^finehero_events_streams_total(?:\\{[^}]*\\})? ([0-9.eE+]+)");

    private final String host;
    private final int port;
    private final Channel[] channels;
    /**
     * The JDK's HTTP client reads every connection it holds on one selector thread: thousands of
     * WebSocket watchers on one client queue behind that thread and measure it, not the server. A client
     * per {@value #SOCKETS_PER_CLIENT} WebSockets spreads them (as many clients as one per 250 SSE and
     * WebSocket watchers gave when SSE used them too, so the runs measure the same set-up).
     */
    private static final int SOCKETS_PER_CLIENT = 125;
    /** Producer updates in flight at most: below the 256 streams the server allows one connection. */
    private static final int PRODUCER_IN_FLIGHT = 200;
    private final HttpClient[] http;
    private final AtomicLong nextClient = new AtomicLong();
    private final String token;
    private final ConcurrentHistogram lagMillis = new ConcurrentHistogram(60_000, 3);
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong watcherFailures = new AtomicLong();
    private volatile boolean measuring;
    /**
     * HTTP/1.1 watchers being opened at once: thousands of connects in one burst overflow the listen
     * backlog and the client gives up on them, which measures the kernel, not the feed.
     */
    private final java.util.concurrent.Semaphore opening = new java.util.concurrent.Semaphore(64);
    private final AtomicLong openFailures = new AtomicLong();
    /** Watchers the server refused, by face and answer (an SSE status, a WebSocket close code and reason). */
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
    /** Delivery lag by face, to tell a stall of one face from a stall of the feed. */
    private final Map<String, ConcurrentHistogram> lagByFace = new ConcurrentHashMap<>();

    private RealtimeBench(String host, int port, Channel[] channels, String token, int socketWatchers) {
        this.http = new HttpClient[Math.max(1, (socketWatchers + SOCKETS_PER_CLIENT - 1) / SOCKETS_PER_CLIENT)];
        for (int i = 0; i < http.length; i++) {
            http[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        }
        this.host = host;
        this.port = port;
        this.channels = channels;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        String label = args[0];
        String host = args[1];
        int watchPort = Integer.parseInt(args[2]);
        int producerPort = Integer.parseInt(args[3]);
        int watchers = Integer.parseInt(args[4]);
        double rate = Double.parseDouble(args[5]);
        Duration measure = Duration.ofSeconds(Long.parseLong(args[6]));
        String jdbcUrl = args[7];
        Path out = Path.of(args[8]);
        long serverPid = args.length > 9 ? Long.parseLong(args[9]) : 0;

        List<ManagedChannel> raw = new ArrayList<>();
        // the server lets one HTTP/2 connection hold 256 streams (server.protocols.http_2.max-concurrent-streams);
        // a stream past that waits on the client unopened, so the gRPC watchers get a connection per 200
        int grpcWatchers = watchers * 6 / 10;
        for (int i = 0; i < Math.max(8, (grpcWatchers + 199) / 200); i++) {
            raw.add(NettyChannelBuilder.forAddress(host, watchPort).usePlaintext().flowControlWindow(1 << 20).build());
        }
        ManagedChannel producerRaw = NettyChannelBuilder.forAddress(host, producerPort).usePlaintext().build();
        try {
            Channel producer = BenchAuth.signedIn(producerRaw);
            Channel[] signed = raw.stream().map(BenchAuth::signedIn).toArray(Channel[]::new);
            String token = BenchAuth.accessToken(raw.getFirst());
            RealtimeBench bench = new RealtimeBench(host, watchPort, signed, token, watchers * 2 / 10); // the WebSocket watchers
            Map<String, Object> result = bench.run(label, producer, watchers, rate, measure, jdbcUrl, serverPid);
            String line = new Gson().toJson(result);
            Files.writeString(out, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            System.out.println(line);
        } finally {
            raw.forEach(ManagedChannel::shutdownNow);
            producerRaw.shutdownNow();
        }
        System.exit(0); // the JDK's HTTP client keeps selector threads of its own
    }

    private Map<String, Object> run(String label, Channel producer, int watcherCount, double rate, Duration measure, String jdbcUrl,
                                    long serverPid) throws Exception {
        FinesServiceGrpc.FinesServiceBlockingStub fines = FinesServiceGrpc.newBlockingStub(producer);
        int fineCount = Math.max(1, watcherCount / 10);
        List<Fine> watched = new ArrayList<>();
        long now = Instant.now().getEpochSecond();
        for (int i = 0; i < fineCount; i++) {
            watched.add(fines.createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                    .setCitationNumber("RT-" + UUID.randomUUID().toString().substring(0, 12)).setJurisdiction("RT")
                    .setViolationCode("P").setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(2500))
                    .setIssueTime(Timestamp.newBuilder().setSeconds(now))
                    .setDueTime(Timestamp.newBuilder().setSeconds(now + 30 * 86400))).build()));
        }
        long baseline = streamsOpen();
        long[] memoryBefore = memory(serverPid);
        long openStart = System.nanoTime();
        List<Watcher> watchers = new ArrayList<>();
        int grpcOpened = 0;
        for (int i = 0; i < watcherCount; i++) {
            String fineId = watched.get(i % fineCount).getId();
            // gRPC watchers count their own turn over the channels: by i they would use only the channels
            // whose number mod 10 is a gRPC slot, and pile more streams on those than the server allows
            Watcher watcher = switch (i % 10) {
                case 6, 7 -> new SseWatcher(fineId);
                case 8, 9 -> new SocketWatcher(fineId);
                default -> new GrpcWatcher(fineId, channels[grpcOpened++ % channels.length]);
            };
            watcher.open();
            watchers.add(watcher);
            if (i % 500 == 499) {
                Thread.sleep(50); // let the server keep up with the upgrades
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (streamsOpen() - baseline < watcherCount && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        double openSeconds = (System.nanoTime() - openStart) / 1e9;
        long open = streamsOpen() - baseline;
        System.err.println(label + ": " + open + " of " + watcherCount + " watchers open after " + Math.round(openSeconds) + " s");

        // idle watchers for a while: what they cost the database with nothing happening, and the memory they hold
        long idleXacts = transactions(jdbcUrl);
        Thread.sleep(5_000);
        double idleXactsPerSecond = (transactions(jdbcUrl) - idleXacts) / 5.0;
        long[] memoryIdle = memory(serverPid);

        Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
        watched.forEach(f -> acknowledged.put(f.getId(), ConcurrentHashMap.newKeySet()));
        FinesServiceGrpc.FinesServiceFutureStub async = FinesServiceGrpc.newFutureStub(producer);
        AtomicLong producerFailures = new AtomicLong();
        measuring = true;
        long xactsBefore = transactions(jdbcUrl);
        Map<String, java.util.TreeMap<Double, Double>> sentBefore = sentLagBuckets();
        long start = System.nanoTime();
        long interval = (long) (1e9 / rate);
        long next = start;
        long end = start + measure.toNanos();
        long produced = 0;
        long skipped = 0;
        long[] versions = watched.stream().mapToLong(Fine::getVersion).toArray();
        java.util.concurrent.atomic.AtomicBoolean[] inFlight = new java.util.concurrent.atomic.AtomicBoolean[fineCount];
        for (int i = 0; i < fineCount; i++) {
            inFlight[i] = new java.util.concurrent.atomic.AtomicBoolean();
        }
        // the producer's updates share one connection, where the server takes at most 256 streams at once
        java.util.concurrent.Semaphore producing = new java.util.concurrent.Semaphore(PRODUCER_IN_FLIGHT);
        long cappedTicks = 0;
        while (next < end) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (!producing.tryAcquire()) {
                cappedTicks++;
                next += interval;
                continue;
            }
            // one update in flight per fine, each with the version it last had: updates carry the version they read
            int pick = -1;
            for (int tries = 0; tries < fineCount && pick < 0; tries++) {
                int candidate = ThreadLocalRandom.current().nextInt(fineCount);
                if (inFlight[candidate].compareAndSet(false, true)) {
                    pick = candidate;
                }
            }
            if (pick < 0) {
                producing.release();
                skipped++;
                next += interval;
                continue;
            }
            int index = pick;
            Fine fine = watched.get(index);
            var update = async.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(versions[index]).setViolationDescription("update " + produced))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("violation_description")).build());
            update.addListener(() -> {
                try {
                    Fine updated = update.get();
                    versions[index] = updated.getVersion();
                    acknowledged.get(updated.getId()).add(updated.getVersion());
                } catch (Exception e) {
                    if (producerFailures.getAndIncrement() == 0) {
                        System.err.println("the producer's first failure: " + e);
                    }
                } finally {
                    inFlight[index].set(false);
                    producing.release();
                }
            }, Runnable::run);
            produced++;
            next += interval;
        }
        double producedSeconds = (System.nanoTime() - start) / 1e9;
        long xactsAfter = transactions(jdbcUrl);
        // the last deliveries: wait until every watcher has heard every acknowledged update, or 30 s;
        // what is still missing then is counted missing, and how long the wait took is recorded
        long drainStart = System.nanoTime();
        long drainEnd = drainStart + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < drainEnd && watchers.stream().anyMatch(w -> acknowledged.get(w.fineId).stream()
                .anyMatch(v -> !w.versions.containsKey(v)))) {
            Thread.sleep(250);
        }
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        measuring = false;
        Map<String, java.util.TreeMap<Double, Double>> sentAfter = sentLagBuckets();

        long missing = 0;
        long duplicates = 0;
        long watchersComplete = 0;
        Map<String, Long> incompleteByFace = new java.util.TreeMap<>();
        Map<String, Long> silentByFace = new java.util.TreeMap<>();
        for (Watcher watcher : watchers) {
            Set<Long> expected = acknowledged.get(watcher.fineId);
            long lost = expected.stream().filter(v -> !watcher.versions.containsKey(v)).count();
            missing += lost;
            duplicates += watcher.versions.values().stream().filter(n -> n.get() > 1).mapToLong(n -> n.get() - 1).sum();
            if (lost == 0) {
                watchersComplete++;
            } else {
                incompleteByFace.merge(watcher.face(), 1L, Long::sum);
                if (watcher.versions.isEmpty()) {
                    silentByFace.merge(watcher.face(), 1L, Long::sum);
                }
            }
        }
        watchers.forEach(Watcher::close);

        Map<String, Object> run = new LinkedHashMap<>();
        run.put("name", label);
        run.put("watchers", watcherCount);
        run.put("seconds", measure.toSeconds());
        run.put("watchers_open", open);
        run.put("seconds_to_open", Math.round(openSeconds * 10) / 10.0);
        run.put("faces", Map.of("grpc", watcherCount * 6 / 10, "sse", watcherCount * 2 / 10, "websocket", watcherCount * 2 / 10));
        run.put("watched_fines", fineCount);
        run.put("events_per_second_offered", rate);
        run.put("events_produced", produced);
        run.put("events_acknowledged", acknowledged.values().stream().mapToInt(Set::size).sum());
        run.put("producer_failures", producerFailures.get());
        run.put("producer_ticks_skipped_all_fines_busy", skipped);
        run.put("producer_ticks_skipped_in_flight_cap", cappedTicks);
        run.put("deliveries", deliveries.get());
        run.put("deliveries_per_second", Math.round(deliveries.get() / producedSeconds));
        run.put("events_missing", missing);
        run.put("seconds_until_last_delivery_after_producer_stopped", Math.round(drainSeconds * 10) / 10.0);
        run.put("events_duplicated", duplicates);
        run.put("watchers_complete", watchersComplete);
        // which face the incomplete ones used, and how many of them heard nothing at all (never opened)
        run.put("watchers_incomplete_by_face", incompleteByFace);
        run.put("watchers_silent_by_face", silentByFace);
        run.put("resyncs", resyncs.get());
        run.put("watcher_failures", watcherFailures.get());
        run.put("watchers_failed_to_open", openFailures.get());
        Map<String, Long> refused = new java.util.TreeMap<>();
        refusals.forEach((answer, count) -> refused.put(answer, count.get()));
        run.put("watchers_refused", refused);
        Map<String, Object> faceLag = new java.util.TreeMap<>();
        lagByFace.forEach((face, lag) -> faceLag.put(face, Map.of("p50_ms", lag.getValueAtPercentile(50),
                "p99_ms", lag.getValueAtPercentile(99), "max_ms", lag.getMaxValue(), "deliveries", lag.getTotalCount())));
        run.put("lag_by_face", faceLag);
        // the server's own view: commit to written on the stream, from its histogram (bucket bounds)
        Map<String, Object> serverSent = new java.util.TreeMap<>();
        sentAfter.forEach((face, after) -> serverSent.put(face, bucketSummary(after, sentBefore.getOrDefault(face, new java.util.TreeMap<>()))));
        run.put("server_sent_lag_by_face", serverSent);
        run.put("lag_p50_ms", lagMillis.getValueAtPercentile(50));
        run.put("lag_p99_ms", lagMillis.getValueAtPercentile(99));
        run.put("lag_max_ms", lagMillis.getMaxValue());
        run.put("db_transactions_per_second", Math.round((xactsAfter - xactsBefore) / producedSeconds * 10) / 10.0);
        run.put("db_transactions_per_second_idle", Math.round(idleXactsPerSecond * 10) / 10.0);
        if (serverPid > 0 && open > 0) {
            run.put("heap_after_gc_mb_before_watchers", memoryBefore[0] / 1024);
            run.put("heap_after_gc_mb_with_idle_watchers", memoryIdle[0] / 1024);
            run.put("rss_mb_before_watchers", memoryBefore[1] / 1024);
            run.put("rss_mb_with_idle_watchers", memoryIdle[1] / 1024);
            run.put("heap_kb_per_idle_watcher", Math.round((memoryIdle[0] - memoryBefore[0]) * 10.0 / open) / 10.0);
            run.put("rss_kb_per_idle_watcher", Math.round((memoryIdle[1] - memoryBefore[1]) * 10.0 / open) / 10.0);
        }
        return run;
    }

    /** The server's heap in use after a full GC and its RSS, in KB ({0, 0} without a pid). */
    private static long[] memory(long pid) throws Exception {
        if (pid <= 0) {
            return new long[] {0, 0};
        }
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String heap = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor(60, TimeUnit.SECONDS);
        Matcher used = Pattern.compile("used (\\d+)K").matcher(heap);
        long heapKb = used.find() ? Long.parseLong(used.group(1)) : -1;
        long rssKb = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
        return new long[] {heapKb, rssKb};
    }

    /**
     * The watched instance's commit-to-sent lag histogram per face: cumulative counts by upper bound
     * in seconds, from its Prometheus metrics.
     */
    private Map<String, java.util.TreeMap<Double, Double>> sentLagBuckets() throws Exception {
        Map<String, java.util.TreeMap<Double, Double>> byFace = new java.util.TreeMap<>();
        for (String line : prometheus().split("\n")) {
            if (!line.startsWith("finehero_events_sent_lag_seconds_bucket{")) {
                continue;
            }
            Matcher face = FACE_LABEL.matcher(line);
            Matcher le = BUCKET_BOUND.matcher(line);
            if (face.find() && le.find()) {
                double bound = le.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le.group(1));
                byFace.computeIfAbsent(face.group(1), f -> new java.util.TreeMap<>())
                        .put(bound, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return byFace;
    }

    /** Count and the bucket bounds holding the median and the 99th percentile of what was added between two scrapes. */
    private static Map<String, Object> bucketSummary(java.util.TreeMap<Double, Double> after, java.util.TreeMap<Double, Double> before) {
        double total = after.lastEntry().getValue() - before.getOrDefault(after.lastKey(), 0.0);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("sent", Math.round(total));
        for (double quantile : new double[] {0.5, 0.99}) {
            String bound = "none";
            for (Map.Entry<Double, Double> bucket : after.entrySet()) {
                if (total > 0 && bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0) >= quantile * total) {
                    bound = bucket.getKey().isInfinite() ? "over the largest bucket" : Math.round(bucket.getKey() * 1000) + " ms";
                    break;
                }
            }
            summary.put(quantile == 0.5 ? "p50_at_most" : "p99_at_most", bound);
        }
        return summary;
    }

    /** The watched instance's Prometheus metrics. */
    private String prometheus() throws Exception {
        HttpResponse<String> metrics = http[0].send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/observe/metrics"))
                .header("authorization", "Bearer " + token).header("accept", "text/plain").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return metrics.body();
    }

    /** Event streams the watched instance has open, from its Prometheus metrics. */
    private long streamsOpen() throws Exception {
        Matcher matcher = STREAMS.matcher(prometheus());
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : -1;
    }

    private void refused(String answer) {
        if (refusals.computeIfAbsent(answer, a -> new AtomicLong()).getAndIncrement() == 0) {
            System.err.println("a watcher was refused: " + answer);
        }
    }

    /** Committed and rolled-back transactions of the database so far. */
    private static long transactions(String jdbcUrl) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", "");
             ResultSet rows = connection.createStatement().executeQuery(
                     "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")) {
            rows.next();
            long value = rows.getLong(1);
            connection.createStatement().execute("SELECT pg_stat_clear_snapshot()");
            return value;
        }
    }

    /** One watcher: the versions of its fine it has heard, each with how often. */
    private abstract class Watcher {
        final String fineId;
        final Map<Long, AtomicLong> versions = new ConcurrentHashMap<>();

        Watcher(String fineId) {
            this.fineId = fineId;
        }

        abstract void open() throws Exception;

        abstract String face();

        abstract void close();

        void heard(Event event) {
            if (event.getKind() == EventKind.EVENT_KIND_OPENED) {
                return; // the stream's first event: where it starts, about no fine
            }
            if (event.getKind() == EventKind.EVENT_KIND_RESYNC) {
                resyncs.incrementAndGet();
                return;
            }
            if (!measuring) {
                return;
            }
            versions.computeIfAbsent(event.getFine().getVersion(), v -> new AtomicLong()).incrementAndGet();
            long committed = event.getTime().getSeconds() * 1000 + event.getTime().getNanos() / 1_000_000;
            long lag = Math.max(0, Math.min(59_999, System.currentTimeMillis() - committed));
            lagMillis.recordValue(lag);
            lagByFace.computeIfAbsent(face(), f -> new ConcurrentHistogram(60_000, 3)).recordValue(lag);
            deliveries.incrementAndGet();
        }

        void heardJson(String json) {
            if (json.startsWith("{\"error\"")) {
                watcherFailures.incrementAndGet();
                System.err.println("watcher of " + fineId + ": " + json);
                return;
            }
            try {
                Event.Builder event = Event.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(json, event);
                heard(event.build());
            } catch (Exception e) {
                watcherFailures.incrementAndGet();
            }
        }

        WatchEventsRequest request() {
            return WatchEventsRequest.newBuilder().setFineId(fineId).build();
        }
    }

    private final class GrpcWatcher extends Watcher {
        private final Channel channel;
        private volatile ClientCallStreamObserver<WatchEventsRequest> call;

        GrpcWatcher(String fineId, Channel channel) {
            super(fineId);
            this.channel = channel;
        }

        @Override
        String face() {
            return "grpc";
        }

        @Override
        void open() {
            EventsServiceGrpc.newStub(channel).watchEvents(request(), new ClientResponseObserver<WatchEventsRequest, Event>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<WatchEventsRequest> requestStream) {
                    call = requestStream;
                }

                @Override
                public void onNext(Event value) {
                    heard(value);
                }

                @Override
                public void onError(Throwable t) {
                    if (measuring) {
                        watcherFailures.incrementAndGet();
                        System.err.println("gRPC watcher of " + fineId + ": " + t);
                    }
                }

                @Override
                public void onCompleted() {
                }
            });
        }

        @Override
        void close() {
            if (call != null) {
                call.cancel("done", null);
            }
        }
    }

    /**
     * An SSE watcher on a socket of its own, read by its own virtual thread, the way a browser's
     * EventSource holds one connection per stream. The JDK HttpClient reads all of its connections on
     * one selector thread and hands bodies over through it: with hundreds of streams on one client that
     * thread was measured instead of the server.
     */
    private final class SseWatcher extends Watcher {
        private volatile java.net.Socket socket;
        private volatile Thread reader;

        SseWatcher(String fineId) {
            super(fineId);
        }

        @Override
        String face() {
            return "sse";
        }

        @Override
        void open() {
            opening.acquireUninterruptibly();
            reader = Thread.ofVirtual().start(() -> {
                boolean released = false;
                try (java.net.Socket connection = new java.net.Socket()) {
                    socket = connection;
                    connection.connect(new java.net.InetSocketAddress(host, port), 10_000);
                    connection.getOutputStream().write(("GET /v1/events:watch?fineId=" + fineId + " HTTP/1.1\r\n"
                            + "Host: " + host + ":" + port + "\r\nAuthorization: Bearer " + token + "\r\n"
                            + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    InputStream in = new java.io.BufferedInputStream(connection.getInputStream());
                    String status = asciiLine(in);
                    boolean chunked = false;
                    for (String header = asciiLine(in); header != null && !header.isEmpty(); header = asciiLine(in)) {
                        chunked |= header.toLowerCase(java.util.Locale.ROOT).matches("transfer-encoding:\\s*chunked");
                    }
                    opening.release();
                    released = true;
                    if (status == null || !status.startsWith("HTTP/1.1 200")) {
                        refused("sse " + status);
                        return;
                    }
                    BufferedReader lines = new BufferedReader(new InputStreamReader(chunked ? new Chunked(in) : in, StandardCharsets.UTF_8));
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (line.startsWith("data: ")) {
                            heardJson(line.substring(6));
                        }
                    }
                } catch (Exception e) {
                    if (!released) {
                        opening.release();
                        if (openFailures.getAndIncrement() == 0) {
                            System.err.println("an SSE watcher could not open: " + e);
                        }
                    }
                    if (measuring) {
                        watcherFailures.incrementAndGet();
                        System.err.println("SSE watcher of " + fineId + ": " + e);
                    }
                }
            });
        }

        @Override
        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (Exception e) {
                // closing
            }
            reader.interrupt();
        }
    }

    /** One line of a response's head, without its CRLF; null at the end of the stream. */
    private static String asciiLine(InputStream in) throws java.io.IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) b);
        }
        return line.isEmpty() ? null : line.toString();
    }

    /** A chunked transfer-encoded body as the bytes it carries. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws java.io.IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws java.io.IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = asciiLine(in);
                if (size != null && size.isEmpty()) {
                    size = asciiLine(in); // the CRLF that ends the previous chunk
                }
                if (size == null) {
                    done = true;
                    return -1;
                }
                int extension = size.indexOf(';');
                left = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int read = in.read(buffer, offset, (int) Math.min(length, left));
            if (read == -1) {
                done = true;
                return -1;
            }
            left -= read;
            return read;
        }
    }

    private final class SocketWatcher extends Watcher {
        private final HttpClient client = http[(int) (nextClient.getAndIncrement() % http.length)];
        private volatile WebSocket socket;

        SocketWatcher(String fineId) {
            super(fineId);
        }

        @Override
        String face() {
            return "websocket";
        }

        @Override
        void open() {
            opening.acquireUninterruptibly();
            client.newWebSocketBuilder().header("authorization", "Bearer " + token)
                    .buildAsync(URI.create("ws://" + host + ":" + port + "/v1/events"), new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public void onOpen(WebSocket webSocket) {
                            opening.release();
                            socket = webSocket;
                            webSocket.sendText("{\"subscribe\": {\"fineId\": \"" + fineId + "\"}}", true);
                            webSocket.request(1);
                        }

                        @Override
                        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                heardJson(text.toString());
                                text.setLength(0);
                            }
                            webSocket.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                            if (!measuring) {
                                refused("websocket " + statusCode + " " + reason);
                            } else {
                                watcherFailures.incrementAndGet();
                                System.err.println("WebSocket watcher of " + fineId + " closed: " + statusCode + " " + reason);
                            }
                            return null;
                        }

                        @Override
                        public void onError(WebSocket webSocket, Throwable error) {
                            if (measuring) {
                                watcherFailures.incrementAndGet();
                                System.err.println("WebSocket watcher of " + fineId + ": " + error);
                            }
                        }
                    }).whenComplete((ws, failure) -> {
                        if (failure != null) {
                            opening.release();
                            if (openFailures.getAndIncrement() == 0) {
                                System.err.println("a WebSocket watcher could not open: " + failure);
                            }
                        }
                    });
        }

        @Override
        void close() {
            if (socket != null) {
                socket.abort();
            }
        }
    }
}
