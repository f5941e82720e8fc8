package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.google.protobuf.Timestamp;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop cache-hit GetFine over gRPC against running servers, each run appended as a JSON line:
 * <pre>
 * GetFineLoad host port concurrency warmupSeconds seconds label out.ndjson
 * GetFineLoad --rounds N host concurrency warmupSeconds seconds out.ndjson label=port [label=port ...]
 * </pre>
 * The second form compares servers fairly: one client JVM warms every target (both servers' JITs and
 * its own), then measures them in alternating rounds, so no target is measured with a colder client.
 * After the closed-loop rounds, each target also gets as many alternating open-loop rounds per fraction
 * listed in FINEHERO_BENCH_PACED (default "0.125,0.25,0.375,0.5"; empty for none): the same concurrency offering that fraction of the
 * first target's median closed-loop rate, for latency percentiles at a known load rather than at
 * saturation, FINEHERO_BENCH_PACED_ROUNDS of them (default: as many as the closed-loop rounds). A p99 from
 * one 10-second run on a shared 2-core box is mostly noise; a median of rounds is less so, and more so
 * the more rounds there are. Each paced round's line also carries the percentiles of every call of that
 * target's rounds so far at that load ({@code pooled_p99_ms}): on the last round, a p99 over all of them.
 * Every call is started and timed on one client event loop ({@link EventLoopLoad}).
 */
public final class GetFineLoad {

    private GetFineLoad() {
    }

    public static void main(String[] args) throws Exception {
        try (ClientLoop loop = new ClientLoop()) {
            if (args[0].equals("--rounds")) {
                rounds(loop, Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]), Duration.ofSeconds(Long.parseLong(args[4])),
                        Duration.ofSeconds(Long.parseLong(args[5])), Path.of(args[6]), List.of(args).subList(7, args.length));
                return;
            }
            try (Target target = Target.open(loop, args[5], args[0], Integer.parseInt(args[1]))) {
                append(Path.of(args[6]), EventLoopLoad.closed(target.label, Integer.parseInt(args[2]),
                        Duration.ofSeconds(Long.parseLong(args[3])), Duration.ofSeconds(Long.parseLong(args[4])), loop.group(),
                        target.call));
            }
        }
    }

    private static void rounds(ClientLoop loop, int rounds, String host, int concurrency, Duration warmup, Duration measure,
                               Path out, List<String> specs) throws Exception {
        Map<String, Target> targets = new LinkedHashMap<>();
        try {
            for (String spec : specs) {
                String[] parts = spec.split("=", 2);
                targets.put(parts[0], Target.open(loop, parts[0], host, Integer.parseInt(parts[1])));
            }
            for (Target target : targets.values()) {
                System.err.println("warming " + target.label + " for " + warmup.toSeconds() + " s");
                EventLoopLoad.closed(target.label, concurrency, warmup, Duration.ZERO, loop.group(), target.call);
            }
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (Target target : targets.values()) {
                    LoadRun.Result result = EventLoopLoad.closed(target.label, concurrency, Duration.ofSeconds(2), measure,
                            loop.group(), target.call);
                    rates.computeIfAbsent(target.label, label -> new ArrayList<>()).add(result.callsPerSecond());
                    append(out, result);
                }
            }
            List<Double> reference = rates.values().iterator().next().stream().sorted().toList();
            double referenceRate = reference.get(reference.size() / 2);
            int pacedRounds = Integer.parseInt(System.getenv().getOrDefault("FINEHERO_BENCH_PACED_ROUNDS", Integer.toString(rounds)));
            for (String fraction : System.getenv().getOrDefault("FINEHERO_BENCH_PACED", "0.125,0.25,0.375,0.5").split(",")) {
                if (fraction.isBlank()) { // FINEHERO_BENCH_PACED= : closed-loop rounds only
                    continue;
                }
                double rate = referenceRate * Double.parseDouble(fraction.strip());
                Map<String, Histogram> pooled = new LinkedHashMap<>(); // every call of a target's rounds at this load
                for (int round = 0; round < pacedRounds; round++) {
                    for (Target target : targets.values()) {
                        LoadRun.Result result = EventLoopLoad.paced(target.label + " paced " + fraction.strip(), concurrency, rate,
                                Duration.ofSeconds(3), measure, loop.group(), target.call);
                        Histogram all = pooled.computeIfAbsent(target.label, label -> new Histogram(3));
                        all.add(result.histogram());
                        append(out, result.json(all, round + 1));
                    }
                }
            }
        } finally {
            for (Target target : targets.values()) {
                target.close();
            }
        }
    }

    private static void append(Path out, LoadRun.Result result) throws java.io.IOException {
        append(out, result.json());
    }

    private static void append(Path out, String json) throws java.io.IOException {
        Files.writeString(out, json + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.err.println(json);
    }

    /**
     * The client's one event loop (epoll where the native transport loads): every target's channel does
     * its I/O on it, answers are handled on it ({@code directExecutor}), and the load schedules on it.
     */
    private record ClientLoop(EventLoopGroup group, Class<? extends Channel> channelType) implements AutoCloseable {
        ClientLoop() {
            this(Epoll.isAvailable() ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1),
                    Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class);
        }

        ManagedChannel channel(String host, int port) {
            return NettyChannelBuilder.forAddress(host, port).usePlaintext().eventLoopGroup(group).channelType(channelType)
                    .directExecutor().build();
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** A signed-in channel to one server and the GetFine call to repeat against a fine created there. */
    private record Target(String label, ManagedChannel channel, ManagedChannel auth, EventLoopLoad.AsyncCall call)
            implements AutoCloseable {

        static Target open(ClientLoop loop, String label, String host, int port) {
            ManagedChannel raw = loop.channel(host, port);
            // logins and refreshes block, so they get a channel of their own: on the load's loop they would wait for themselves
            ManagedChannel auth = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
            io.grpc.Channel signedIn = BenchAuth.signedIn(raw, auth);
            Instant now = Instant.now();
            Fine fine = FinesServiceGrpc.newBlockingStub(signedIn).createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                    .setCitationNumber("LOAD-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction("LOAD")
                    .setViolationCode("L").setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(100))
                    .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                    .setDueTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond())))
                    .build());
            GetFineRequest get = GetFineRequest.newBuilder().setFineId(fine.getId()).build();
            EventLoopLoad.AsyncCall call = done -> ClientCalls.asyncUnaryCall(
                    signedIn.newCall(FinesServiceGrpc.getGetFineMethod(), CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
                    get, new StreamObserver<>() {
                        @Override
                        public void onNext(Fine answer) {
                        }

                        @Override
                        public void onError(Throwable error) {
                            done.failed(LoadRun.Failures.reason(error));
                        }

                        @Override
                        public void onCompleted() {
                            done.succeeded();
                        }
                    });
            return new Target(label, raw, auth, call);
        }

        @Override
        public void close() {
            channel.shutdownNow();
            auth.shutdownNow();
        }
    }
}
