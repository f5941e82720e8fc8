package com.finehero.bench;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.server.platform.cache.ReadConfirmationFloor;
import com.google.protobuf.Timestamp;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * The baseline for FineHero's throughput: plain grpc-java (Netty, default executor) answering the
 * same FinesService calls from memory, with no database, cache, interceptors or validation.
 *
 * <p>Given a Redis address, it is the floor of a grpc-java server that keeps FineHero's read-your-writes
 * guarantee: every GetFine answers once Redis confirmed its copy ({@link ReadConfirmationFloor}), without
 * holding a thread while it waits, and answers UNAVAILABLE when it cannot.
 * {@code EchoServer port [redis://host:port]} runs until killed.
 */
public final class EchoServer {

    private EchoServer() {
    }

    public static void main(String[] args) throws Exception {
        ReadConfirmationFloor confirmation = args.length > 1 ? ReadConfirmationFloor.connect(args[1], "bench-echo-" + args[0]) : null;
        Server server = start(Integer.parseInt(args[0]), confirmation);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            if (confirmation != null) {
                confirmation.close();
            }
        }));
        server.awaitTermination();
        server.awaitTermination(1, TimeUnit.SECONDS);
    }

    /** The echo on {@code port} (0: one the OS picks); with a {@code confirmation}, every GetFine waits for Redis first. */
    static Server start(int port, ReadConfirmationFloor confirmation) throws IOException {
        Instant now = Instant.now();
        Fine fine = Fine.newBuilder().setId("00000000-0000-0000-0000-000000000001").setCitationNumber("ECHO-1")
                .setJurisdiction("ECHO").setViolationCode("E").setStatus(FineStatus.FINE_STATUS_OPEN)
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setDueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond() + 86400)).setVersion(1).build();
        return NettyServerBuilder.forPort(port)
                .addService(new FinesServiceGrpc.FinesServiceImplBase() {
                    @Override
                    public void getFine(GetFineRequest request, StreamObserver<Fine> response) {
                        if (confirmation == null) {
                            response.onNext(fine.toBuilder().setId(request.getFineId()).build());
                            response.onCompleted();
                            return;
                        }
                        confirmation.confirm().whenComplete((confirmed, error) -> {
                            if (error != null) {
                                response.onError(Status.UNAVAILABLE.withDescription(ReadConfirmationFloor.REFUSAL).asRuntimeException());
                            } else {
                                response.onNext(fine.toBuilder().setId(request.getFineId()).build());
                                response.onCompleted();
                            }
                        });
                    }

                    @Override
                    public void createFine(CreateFineRequest request, StreamObserver<Fine> response) {
                        response.onNext(fine);
                        response.onCompleted();
                    }
                })
                // the load tool logs in first
                .addService(new UncheckedLogin())
                .build().start();
    }
}
