package com.finehero.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * GetFine through REST and through gRPC at the same concurrency against one running server, in
 * alternating rounds; writes both figures and their ratios as JSON.
 * <pre>
 * RestVsGrpc host port concurrency warmupSeconds measureSeconds rounds output.json
 * </pre>
 */
public final class RestVsGrpc {

    private RestVsGrpc() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        Duration warmup = Duration.ofSeconds(Long.parseLong(args[3]));
        Duration measure = Duration.ofSeconds(Long.parseLong(args[4]));
        int rounds = Integer.parseInt(args[5]);
        Path output = Path.of(args[6]);

        ManagedChannel raw = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
        io.grpc.Channel channel = BenchAuth.signedIn(raw);
        var fines = FinesServiceGrpc.newBlockingStub(channel);
        Instant now = Instant.now();
        Fine fine = fines.createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("BENCH-" + UUID.randomUUID().toString().substring(0, 8))
                .setJurisdiction("BENCH").setViolationCode("B1")
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setDueTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond())))
                .build());
        GetFineRequest get = GetFineRequest.newBuilder().setFineId(fine.getId()).build();

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest restGet = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/v1/fines/" + fine.getId()))
                .header("authorization", "Bearer " + BenchAuth.accessToken(raw)).GET().build();

        List<LoadRun.Result> grpc = new ArrayList<>();
        List<LoadRun.Result> rest = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            grpc.add(LoadRun.run("grpc GetFine", concurrency, warmup, measure,
                    () -> fines.withDeadlineAfter(5, TimeUnit.SECONDS).getFine(get)));
            rest.add(LoadRun.run("rest GetFine", concurrency, warmup, measure, () -> {
                HttpResponse<byte[]> response = http.send(restGet, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + response.statusCode());
                }
                return response;
            }));
            System.err.println("round " + (round + 1) + ": " + grpc.getLast().json() + " " + rest.getLast().json());
        }
        raw.shutdownNow();

        LoadRun.Result g = median(grpc);
        LoadRun.Result r = median(rest);
        String json = String.format(Locale.ROOT,
                "{\"benchmark\":\"rest_vs_grpc_getfine\",\"date\":\"%s\",\"cpus\":%d,\"concurrency\":%d,"
                        + "\"measure_seconds\":%d,\"rounds\":%d,\"grpc\":%s,\"rest\":%s,"
                        + "\"rest_to_grpc_throughput\":%.3f,\"rest_to_grpc_p99\":%.3f,"
                        + "\"targets\":{\"rest_to_grpc_throughput_min\":0.6,\"rest_to_grpc_p99_max\":2.0},"
                        + "\"rounds_detail\":{\"grpc\":[%s],\"rest\":[%s]}}",
                Instant.now(), Runtime.getRuntime().availableProcessors(), concurrency, measure.toSeconds(), rounds,
                g.json(), r.json(), r.callsPerSecond() / g.callsPerSecond(), r.p99Ms() / g.p99Ms(),
                String.join(",", grpc.stream().map(LoadRun.Result::json).toList()),
                String.join(",", rest.stream().map(LoadRun.Result::json).toList()));
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, json + "\n");
        System.out.println(json);
    }

    /** The round with the median throughput (its latencies come with it). */
    private static LoadRun.Result median(List<LoadRun.Result> results) {
        List<LoadRun.Result> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble(LoadRun.Result::callsPerSecond));
        return sorted.get(sorted.size() / 2);
    }
}
