package com.finehero.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import com.finehero.api.auth.v1.AuthProto;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.platform.cache.ReadConfirmationFloor;
import com.finehero.server.platform.rest.ResponseJson;
import com.finehero.server.platform.rpc.FineHeroGrpcTransport;
import com.google.protobuf.Timestamp;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcProtocolSelector;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http2.Http2ConnectionSelector;

/**
 * The transport FineHero runs on, doing nothing else: Helidon 4.5 serving GetFine from memory over gRPC
 * (the same HTTP/2 selector, stream limit, uncompressed answers and TCP_NODELAY FineHero configures) and
 * over HTTP/1.1 as {@code GET /v1/fines/{fine_id}} printed as FineHero's REST bridge prints it
 * ({@link ResponseJson}). No database, cache, interceptors, authentication or in-process hop. Set beside the
 * grpc-java echo and Armeria in the same run, it separates what Helidon's transport costs from what
 * FineHero adds on top of it.
 *
 * <p>Given a Redis address, it is the floor of a server that keeps FineHero's read-your-writes guarantee
 * on this transport: every GetFine, over gRPC and REST, waits for Redis to confirm its copy
 * ({@link ReadConfirmationFloor}) before answering, and answers UNAVAILABLE / 503 when it cannot.
 *
 * <p>Given {@code guarantees} after the Redis address as well, it also keeps what FineHero keeps on every
 * call with authentication off, each done the cheapest way this floor knows ({@link CallGuarantees}): the
 * request id and the W3C trace position in the answer, the call's deadline (answered 504 or
 * DEADLINE_EXCEEDED when it passes), a check of the id asked for (400 or INVALID_ARGUMENT), the call counted
 * and timed for Prometheus and for a window's percentiles, and over REST the security headers. Its gRPC
 * runs on FineHero's own transport around Helidon's ({@link FineHeroGrpcTransport}): unknown methods and
 * oversized messages answered, the per-call headers kept out of the HPACK table and a connection's frames
 * written together, as FineHero does. Beside the confirmed floor it says what those guarantees cost,
 * and beside FineHero what FineHero's own pipeline costs on top of them.
 * {@code HelidonPeer port [redis://host:port [guarantees]]} runs until killed.
 */
public final class HelidonPeer {

    private HelidonPeer() {
    }

    public static void main(String[] args) {
        ReadConfirmationFloor confirmation = args.length > 1 ? ReadConfirmationFloor.connect(args[1], "bench-helidon-peer-" + args[0]) : null;
        CallGuarantees guarantees = args.length > 2 && args[2].equals("guarantees") ? new CallGuarantees(Duration.ofSeconds(30)) : null;
        WebServer server = start(Integer.parseInt(args[0]), () -> true, confirmation, guarantees);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            if (guarantees != null) {
                guarantees.close();
            }
            if (confirmation != null) {
                confirmation.close();
            }
        }));
        System.err.println("helidon peer on port " + server.port() + (confirmation == null ? "" : ", every read confirmed against Redis")
                + (guarantees == null ? "" : ", FineHero's per-call guarantees on gRPC and REST"));
    }

    /** The peer, started on {@code port} (0: one the OS picks). */
    static WebServer start(int port) {
        return start(port, () -> true, null);
    }

    /** The peer, answering its HTTP route 503 while {@code ready} is false (for a floor that does more at start). */
    static WebServer start(int port, BooleanSupplier ready) {
        return start(port, ready, null);
    }

    /** The peer; with a {@code confirmation}, every read waits for Redis to confirm its copy first. */
    static WebServer start(int port, BooleanSupplier ready, ReadConfirmationFloor confirmation) {
        return start(port, ready, confirmation, null);
    }

    /** The peer; with {@code guarantees}, it also keeps FineHero's per-call guarantees. */
    static WebServer start(int port, BooleanSupplier ready, ReadConfirmationFloor confirmation, CallGuarantees guarantees) {
        Instant now = Instant.now();
        Timestamp created = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
        // the Fine ArmeriaPeer answers: the fields CreateFine sets, plus owner, status, times and version
        Fine fine = Fine.newBuilder().setId("00000000-0000-0000-0000-000000000001").setCitationNumber("LOAD-1a2b3c4d")
                .setJurisdiction("LOAD").setViolationCode("L").setStatus(FineStatus.FINE_STATUS_OPEN)
                .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(100))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setDueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond() + 30 * 86400))
                .setOwnerId("00000000-0000-0000-0000-0000000000a1").setCreateTime(created).setUpdateTime(created)
                .setVersion(1).build();
        ResponseJson json = new ResponseJson();
        Answers answers = new Answers();
        BindableService fines = new FinesServiceGrpc.FinesServiceImplBase() {
            @Override
            public void getFine(GetFineRequest request, StreamObserver<Fine> response) {
                if (guarantees != null && !CallGuarantees.isUuid(request.getFineId())) {
                    response.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("fine_id must be a UUID").asRuntimeException());
                    return;
                }
                if (!confirmed(confirmation)) {
                    response.onError(io.grpc.Status.UNAVAILABLE.withDescription(ReadConfirmationFloor.REFUSAL).asRuntimeException());
                    return;
                }
                response.onNext(fine.toBuilder().setId(request.getFineId()).build());
                response.onCompleted();
            }

            // the event-loop client creates the fine it then reads
            @Override
            public void createFine(CreateFineRequest request, StreamObserver<Fine> response) {
                response.onNext(fine);
                response.onCompleted();
            }
        };
        BindableService login = new UncheckedLogin(); // the event-loop client logs in first
        Http2Config http2Config = Http2Config.builder().maxConcurrentStreams(256).build();
        GrpcConfig grpcConfig = GrpcConfig.builder().enableCompression(false).build();
        GrpcRouting.Builder grpc = GrpcRouting.builder()
                .service(FinesProto.getDescriptor(), guarded(fines, guarantees))
                .service(AuthProto.getDescriptor(), guarded(login, guarantees));
        return WebServer.builder()
                .port(port)
                .connectionOptions(options -> options.tcpNoDelay(true))
                .addRouting(grpc)
                .addConnectionSelector(guarantees == null
                        ? Http2ConnectionSelector.builder().http2Config(http2Config).addSubProtocolSelector(GrpcProtocolSelector.create(grpcConfig)).build()
                        : FineHeroGrpcTransport.selector(http2Config, grpcConfig, methods(fines, login)))
                .routing(http -> http.get("/v1/fines/{fineId}", (request, response) -> {
                    if (!ready.getAsBoolean()) {
                        response.status(Status.SERVICE_UNAVAILABLE_503).send();
                        return;
                    }
                    if (guarantees != null) {
                        guarantees.serve(request, response, () -> answer(request, confirmation, json, answers, fine));
                        return;
                    }
                    CallGuarantees.send(response, answer(request, confirmation, json, answers, fine));
                }))
                .build()
                .start();
    }

    /** The full names of every method of {@code services}. */
    private static Set<String> methods(BindableService... services) {
        Set<String> names = new HashSet<>();
        for (BindableService service : services) {
            service.bindService().getMethods().forEach(m -> names.add(m.getMethodDescriptor().getFullMethodName()));
        }
        return names;
    }

    /** {@code service} with the gRPC side of {@code guarantees} around every call, or as it is without them. */
    private static BindableService guarded(BindableService service, CallGuarantees guarantees) {
        if (guarantees == null) {
            return service;
        }
        ServerServiceDefinition definition = ServerInterceptors.intercept(service, guarantees.grpc());
        return () -> definition;
    }

    /** The REST answer: 503 when Redis cannot confirm the copy, else the fine as JSON. */
    private static CallGuarantees.Reply answer(ServerRequest request, ReadConfirmationFloor confirmation, ResponseJson json,
                                               Answers answers, Fine fine) {
        if (!confirmed(confirmation)) {
            return new CallGuarantees.Reply(Status.SERVICE_UNAVAILABLE_503, ReadConfirmationFloor.REFUSAL.getBytes(), false);
        }
        return new CallGuarantees.Reply(Status.OK_200, json.print(answers.answer(fine, request.path().pathParameters().get("fineId"))), true);
    }

    /** Waits, on the call's virtual thread as FineHero's cache does, for Redis to confirm the copy; true without a floor. */
    private static boolean confirmed(ReadConfirmationFloor confirmation) {
        if (confirmation == null) {
            return true;
        }
        try {
            confirmation.confirm().join();
            return true;
        } catch (CompletionException e) {
            return false;
        }
    }

    /**
     * The answer for each id asked for, built once and handed out again, as FineHero's cache hands out its
     * decoded copy: so the floor prints it once, as FineHero does. At most {@link #MAX} ids are kept.
     */
    private static final class Answers {
        private static final int MAX = 1024;
        private final Map<String, Fine> byId = new ConcurrentHashMap<>();

        Fine answer(Fine template, String id) {
            Fine kept = byId.get(id);
            if (kept != null) {
                return kept;
            }
            if (byId.size() >= MAX) {
                byId.clear();
            }
            return byId.computeIfAbsent(id, key -> template.toBuilder().setId(key).build());
        }
    }
}
