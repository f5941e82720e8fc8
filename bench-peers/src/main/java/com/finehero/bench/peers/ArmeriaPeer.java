package com.finehero.bench.peers;

import java.time.Instant;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.google.protobuf.Timestamp;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.stub.StreamObserver;

/**
 * A peer for FineHero's GetFine: Armeria 1.36 serving FinesService from memory on one port, over gRPC
 * (HTTP/2, prior knowledge) and over HTTP/JSON through Armeria's transcoding of the proto's own
 * {@code google.api.http} rules ({@code GET /v1/fines/{fine_id}}), as FineHero's REST bridge derives its
 * routes from the same rules. No database, cache, authentication or validation: the framework's cost alone.
 * Answers a Fine populated like one FineHero returns in the benchmarks (the fields CreateFine sets, plus
 * owner, status, times and version). {@code ArmeriaPeer port} runs until killed.
 */
public final class ArmeriaPeer {

    private ArmeriaPeer() {
    }

    public static void main(String[] args) {
        Server server = start(Integer.parseInt(args[0]));
        server.closeOnJvmShutdown();
        System.err.println("armeria peer on port " + server.activeLocalPort());
    }

    /** The peer, started on {@code port} (0: one the OS picks). */
    static Server start(int port) {
        Server server = Server.builder().http(port).service(service()).build();
        server.start().join();
        return server;
    }

    static GrpcService service() {
        Instant now = Instant.now();
        Timestamp created = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
        Fine fine = Fine.newBuilder().setId("00000000-0000-0000-0000-000000000001").setCitationNumber("LOAD-1a2b3c4d")
                .setJurisdiction("LOAD").setViolationCode("L").setStatus(FineStatus.FINE_STATUS_OPEN)
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(100))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setDueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond() + 30 * 86400))
                .setOwnerId("00000000-0000-0000-0000-0000000000a1").setCreateTime(created).setUpdateTime(created)
                .setVersion(1).build();
        return GrpcService.builder()
                .addService(new FinesServiceGrpc.FinesServiceImplBase() {
                    @Override
                    public void getFine(GetFineRequest request, StreamObserver<Fine> response) {
                        response.onNext(fine.toBuilder().setId(request.getFineId()).build());
                        response.onCompleted();
                    }

                    @Override
                    public void createFine(CreateFineRequest request, StreamObserver<Fine> response) {
                        response.onNext(fine);
                        response.onCompleted();
                    }
                })
                // the event-loop load tool signs in first; the peer hands out a token it never checks
                .addService(new AuthServiceGrpc.AuthServiceImplBase() {
                    @Override
                    public void login(LoginRequest request, StreamObserver<TokenResponse> response) {
                        response.onNext(TokenResponse.newBuilder().setAccessToken("peer").setTokenType("Bearer")
                                .setAccessTokenExpireTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond() + 86400)).build());
                        response.onCompleted();
                    }
                })
                .enableHttpJsonTranscoding(true)
                .build();
    }
}
