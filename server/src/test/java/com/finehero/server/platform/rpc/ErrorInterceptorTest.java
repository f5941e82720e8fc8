package com.finehero.server.platform.rpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.finehero.api.fines.v1.Fine;
import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.ListFinesResponse;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.helidon.common.socket.SocketWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ErrorInterceptorTest {

    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        String name = "errors-" + UUID.randomUUID();
        FinesServiceGrpc.FinesServiceImplBase failing = new FinesServiceGrpc.FinesServiceImplBase() {
            @Override
            public void getFine(GetFineRequest request, StreamObserver<Fine> response) {
                switch (request.getFineId()) {
                    case "bug" -> throw new IllegalStateException("password=hunter2 at db.internal:5432");
                    case "raw-internal" -> throw Status.INTERNAL.withDescription("password=hunter2").asRuntimeException();
                    case "onError" -> response.onError(new FineHeroException.RateLimited("TOO_MANY", "slow down",
                            java.time.Duration.ofSeconds(3)));
                    default -> throw FineHeroException.notFound("fine", request.getFineId());
                }
            }

            @Override
            public void listFines(ListFinesRequest request, StreamObserver<ListFinesResponse> response) {
                throw new FineHeroException.Unavailable("DATABASE_UNAVAILABLE", "try again", java.time.Duration.ofSeconds(1));
            }
        };
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(failing, new ErrorInterceptor(new ErrorMapper())))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void unexpectedFailureIsInternalWithAnIdAndNoDetailsOfTheCause() {
        var stub = FinesServiceGrpc.newBlockingStub(channel);
        assertThatThrownBy(() -> stub.getFine(GetFineRequest.newBuilder().setFineId("bug").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                    assertThat(e.getStatus().getDescription()).matches("internal error, id=[0-9a-f-]{36}");
                    com.google.rpc.Status status = StatusProto.fromThrowable(e);
                    assertThat(status.toString()).doesNotContain("hunter2").doesNotContain("IllegalStateException")
                            .doesNotContain("at com.");
                });
    }

    @Test
    void rawInternalStatusFromALibraryIsNotPassedOn() {
        var stub = FinesServiceGrpc.newBlockingStub(channel);
        StatusRuntimeException e = catchStatus(() -> stub.getFine(GetFineRequest.newBuilder().setFineId("raw-internal").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(e.getStatus().getDescription()).startsWith("internal error, id=").doesNotContain("hunter2");
    }

    @Test
    void knownFailureKeepsItsCodeMessageAndReason() throws Exception {
        var stub = FinesServiceGrpc.newBlockingStub(channel);
        StatusRuntimeException e = catchStatus(() -> stub.getFine(GetFineRequest.newBuilder().setFineId("f-1").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).isEqualTo("fine f-1 not found");
        assertThat(StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class).getReason()).isEqualTo("FINE_NOT_FOUND");
    }

    @Test
    void failurePassedToOnErrorIsMappedTooWithRetryInfo() throws Exception {
        var stub = FinesServiceGrpc.newBlockingStub(channel);
        StatusRuntimeException e = catchStatus(() -> stub.getFine(GetFineRequest.newBuilder().setFineId("onError").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        RetryInfo retry = StatusProto.fromThrowable(e).getDetailsList().stream()
                .filter(any -> any.is(RetryInfo.class)).findFirst().orElseThrow().unpack(RetryInfo.class);
        assertThat(retry.getRetryDelay().getSeconds()).isEqualTo(3);
    }

    @Test
    void unavailableMapsToUnavailable() {
        var stub = FinesServiceGrpc.newBlockingStub(channel);
        StatusRuntimeException e = catchStatus(() -> stub.listFines(ListFinesRequest.getDefaultInstance()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    private static StatusRuntimeException catchStatus(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call did not fail");
    }

    /**
     * A client that closed its connection with the call in flight: the answer's write fails, and so does
     * the close that would report it. Nothing is thrown on to Helidon, which would log each such call as a
     * failed request with its stack trace; the call counts as cancelled.
     */
    @Test
    void aCallWhoseClientLeftIsClosedOnceAsCancelledWithNothingThrownOn() {
        List<Status> closes = new ArrayList<>();
        ServerCall<GetFineRequest, Fine> gone = new ServerCall<>() {
            @Override
            public void request(int numMessages) {
            }

            @Override
            public void sendHeaders(Metadata headers) {
                throw brokenPipe();
            }

            @Override
            public void sendMessage(Fine message) {
                throw brokenPipe();
            }

            @Override
            public void close(Status status, Metadata trailers) {
                closes.add(status);
                throw brokenPipe();
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public MethodDescriptor<GetFineRequest, Fine> getMethodDescriptor() {
                return FinesServiceGrpc.getGetFineMethod();
            }
        };
        ServerCall.Listener<GetFineRequest> listener = new ErrorInterceptor(new ErrorMapper()).interceptCall(gone,
                new Metadata(), (call, headers) -> new ServerCall.Listener<>() {
                    @Override
                    public void onHalfClose() {
                        call.sendHeaders(new Metadata()); // the service answering: the write fails
                    }
                });
        listener.onMessage(GetFineRequest.newBuilder().setFineId("f").build());
        listener.onHalfClose();
        assertThat(closes).extracting(Status::getCode).containsExactly(Status.Code.CANCELLED);
    }

    private static SocketWriterException brokenPipe() {
        return new SocketWriterException(new UncheckedIOException(new IOException("Broken pipe")));
    }
}
