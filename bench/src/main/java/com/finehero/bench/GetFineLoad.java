package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
 * One closed-loop run of cache-hit GetFine over gRPC against a running server, appended as a JSON
 * line to a file: {@code GetFineLoad host port concurrency warmupSeconds seconds label out.ndjson}.
 */
public final class GetFineLoad {

    private GetFineLoad() {
    }

    public static void main(String[] args) throws Exception {
        ManagedChannel raw = NettyChannelBuilder.forAddress(args[0], Integer.parseInt(args[1])).usePlaintext().build();
        io.grpc.Channel channel = BenchAuth.signedIn(raw);
        try {
            var fines = FinesServiceGrpc.newBlockingStub(channel);
            Instant now = Instant.now();
            Fine fine = fines.createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                    .setCitationNumber("LOAD-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction("LOAD")
                    .setViolationCode("L").setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(100))
                    .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                    .setDueTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond())))
                    .build());
            GetFineRequest get = GetFineRequest.newBuilder().setFineId(fine.getId()).build();
            LoadRun.Result result = LoadRun.run(args[5], Integer.parseInt(args[2]),
                    Duration.ofSeconds(Long.parseLong(args[3])), Duration.ofSeconds(Long.parseLong(args[4])),
                    () -> fines.withDeadlineAfter(5, TimeUnit.SECONDS).getFine(get));
            Files.writeString(Path.of(args[6]), result.json() + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            System.err.println(result.json());
        } finally {
            raw.shutdownNow();
        }
    }
}
