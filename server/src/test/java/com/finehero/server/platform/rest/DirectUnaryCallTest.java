package com.finehero.server.platform.rest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.server.platform.rpc.DeadlineInterceptor;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.server.platform.security.CallerAddress;
import com.finehero.testing.v1.BridgeTestProto;
import com.finehero.testing.v1.BridgeTestServiceGrpc;
import com.finehero.testing.v1.EchoMessage;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A REST call's unary RPC run on the calling thread, without a transport: through the pipeline's
 * interceptors, with its response headers and trailers, the HTTP client's address believed as on an
 * in-process call, the bridge's timeout as the call's deadline, and a failure out of the service
 * answered as grpc-java's server answers it.
 */
class DirectUnaryCallTest {

    private static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-trailer", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void runsOnTheCallingThreadThroughTheInterceptorsAndKeepsHeadersAndTrailers() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<String> address = new AtomicReference<>();
        ServerInterceptor seeAddress = new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                         ServerCallHandler<ReqT, RespT> next) {
                address.set(CallerAddress.of(call, headers));
                return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(TRAILER, "kept");
                        super.close(status, trailers);
                    }
                }, headers);
            }
        };
        BridgeTestServiceGrpc.BridgeTestServiceImplBase service = new BridgeTestServiceGrpc.BridgeTestServiceImplBase() {
            @Override
            public void echo(EchoMessage request, StreamObserver<EchoMessage> response) {
                ranOn.set(Thread.currentThread());
                response.onNext(request.toBuilder().setSeenHeader(BridgeTestService.TEST_HEADER.get()).build());
                response.onCompleted();
            }
        };
        RpcPipeline pipeline = RpcPipeline.builder().intercept(seeAddress).intercept(BridgeTestService.HEADERS)
                .service(BridgeTestProto.getDescriptor(), service).build();
        try (InProcessCalls calls = new InProcessCalls(pipeline, Duration.ofSeconds(10), Duration.ofSeconds(60))) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("x-test", Metadata.ASCII_STRING_MARSHALLER), "from the client");
            headers.put(CallerAddress.HEADER, "203.0.113.9");
            RpcCall call = calls.open(echo(pipeline), headers);
            EchoMessage reply = (EchoMessage) call.unary(EchoMessage.newBuilder().setId("a").build());

            assertThat(reply.getSeenHeader()).isEqualTo("from the client");
            assertThat(ranOn.get()).isSameAs(Thread.currentThread());
            assertThat(address.get()).as("the forwarded address, believed on a call that is not from the network").isEqualTo("203.0.113.9");
            assertThat(call.trailers().get(TRAILER)).isEqualTo("kept");
        }
    }

    @Test
    void theBridgesTimeoutIsTheCallsDeadline() {
        AtomicReference<Boolean> cancelledInService = new AtomicReference<>();
        BridgeTestServiceGrpc.BridgeTestServiceImplBase slow = new BridgeTestServiceGrpc.BridgeTestServiceImplBase() {
            @Override
            public void echo(EchoMessage request, StreamObserver<EchoMessage> response) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Context.current().isCancelled() && System.nanoTime() < until) {
                    sleep();
                }
                cancelledInService.set(Context.current().isCancelled());
                response.onNext(request);
                response.onCompleted();
            }
        };
        try (DeadlineInterceptor deadlines = new DeadlineInterceptor()) {
            RpcPipeline pipeline = RpcPipeline.builder().intercept(deadlines).service(BridgeTestProto.getDescriptor(), slow).build();
            try (InProcessCalls calls = new InProcessCalls(pipeline, Duration.ofMillis(300), Duration.ofSeconds(60))) {
                long started = System.nanoTime();
                RpcCall call = calls.open(echo(pipeline), new Metadata());
                assertThatThrownBy(() -> call.unary(EchoMessage.newBuilder().setId("slow").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
                assertThat(cancelledInService.get()).as("the service's context was cancelled at the deadline").isTrue();
            }
        }
    }

    @Test
    void aFailureOutOfTheServiceIsUnknownAsGrpcJavasServerAnswersIt() {
        BridgeTestServiceGrpc.BridgeTestServiceImplBase broken = new BridgeTestServiceGrpc.BridgeTestServiceImplBase() {
            @Override
            public void echo(EchoMessage request, StreamObserver<EchoMessage> response) {
                throw new IllegalStateException("a bug");
            }
        };
        java.util.List<String> ends = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerInterceptor seeEnd = endsIn(ends, false);
        RpcPipeline pipeline = RpcPipeline.builder().intercept(seeEnd).service(BridgeTestProto.getDescriptor(), broken).build();
        try (InProcessCalls calls = new InProcessCalls(pipeline, Duration.ofSeconds(10), Duration.ofSeconds(60))) {
            assertThatThrownBy(() -> calls.open(echo(pipeline), new Metadata()).unary(EchoMessage.newBuilder().setId("x").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(e.getStatus().getDescription()).doesNotContain("a bug");
                    });
            assertThat(ends).as("how the call ended for the interceptors").containsExactly("cancel");
        }
    }

    @Test
    void aCallTheServiceAnsweredEndsCompleteOnlyEvenIfCompletingFails() {
        java.util.List<String> ends = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerInterceptor failingEnd = endsIn(ends, true);
        RpcPipeline pipeline = RpcPipeline.builder().intercept(failingEnd).intercept(BridgeTestService.HEADERS)
                .service(BridgeTestProto.getDescriptor(), new BridgeTestService()).build();
        try (InProcessCalls calls = new InProcessCalls(pipeline, Duration.ofSeconds(10), Duration.ofSeconds(60))) {
            EchoMessage reply = (EchoMessage) calls.open(echo(pipeline), new Metadata()).unary(EchoMessage.newBuilder().setId("ok").build());
            assertThat(reply.getId()).isEqualTo("ok");
            assertThat(ends).containsExactly("complete");
        }
    }

    /** Records how each call ends for the interceptors ("complete", "cancel"); with {@code failComplete}, completing throws. */
    private static ServerInterceptor endsIn(java.util.List<String> ends, boolean failComplete) {
        return new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                         ServerCallHandler<ReqT, RespT> next) {
                return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onComplete() {
                        ends.add("complete");
                        if (failComplete) {
                            throw new IllegalStateException("a bug after the answer");
                        }
                        super.onComplete();
                    }

                    @Override
                    public void onCancel() {
                        ends.add("cancel");
                        super.onCancel();
                    }
                };
            }
        };
    }

    private static HttpBinding echo(RpcPipeline pipeline) {
        return HttpBinding.of(pipeline).stream().filter(b -> b.method().getName().equals("Echo")).findFirst().orElseThrow();
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
