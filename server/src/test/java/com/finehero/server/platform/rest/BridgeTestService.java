package com.finehero.server.platform.rest;

import java.time.Duration;
import java.util.List;

import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.testing.v1.BridgeTestServiceGrpc;
import com.finehero.testing.v1.CountReply;
import com.finehero.testing.v1.CountRequest;
import com.finehero.testing.v1.EchoMessage;
import com.finehero.testing.v1.FailRequest;
import com.finehero.testing.v1.SumReply;
import com.finehero.testing.v1.SumRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** Echoes what the bridge built, streams counts, sums uploads, fails on demand. */
final class BridgeTestService extends BridgeTestServiceGrpc.BridgeTestServiceImplBase {

    static final Context.Key<String> TEST_HEADER = Context.key("x-test");

    /** Exposes the x-test request header to the service and sets x-reply on the response. */
    static final ServerInterceptor HEADERS = new ServerInterceptor() {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                     ServerCallHandler<ReqT, RespT> next) {
            String value = headers.get(Metadata.Key.of("x-test", Metadata.ASCII_STRING_MARSHALLER));
            Context context = Context.current().withValue(TEST_HEADER, value == null ? "" : value);
            ServerCall<ReqT, RespT> replying = new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    responseHeaders.put(Metadata.Key.of("x-reply", Metadata.ASCII_STRING_MARSHALLER), "yes");
                    super.sendHeaders(responseHeaders);
                }
            };
            return Contexts.interceptCall(context, replying, headers, next);
        }
    };

    @Override
    public void echo(EchoMessage request, StreamObserver<EchoMessage> response) {
        response.onNext(request.toBuilder().setSeenHeader(TEST_HEADER.get()).build());
        response.onCompleted();
    }

    @Override
    public void count(CountRequest request, StreamObserver<CountReply> response) {
        for (int i = 1; i <= request.getN(); i++) {
            response.onNext(CountReply.newBuilder().setI(i).build());
        }
        if (request.getFailCode() != 0) {
            response.onError(Status.fromCodeValue(request.getFailCode()).withDescription("failed on request").asRuntimeException());
            return;
        }
        response.onCompleted();
    }

    @Override
    public StreamObserver<SumRequest> sum(StreamObserver<SumReply> response) {
        return new StreamObserver<>() {
            long total;
            int count;

            @Override
            public void onNext(SumRequest value) {
                total += value.getValue();
                count++;
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                response.onNext(SumReply.newBuilder().setTotal(total).setCount(count).build());
                response.onCompleted();
            }
        };
    }

    @Override
    public void fail(FailRequest request, StreamObserver<FailRequest> response) {
        if (request.getRetryAfterSeconds() > 0) {
            throw new FineHeroException.RateLimited("TOO_MANY", "slow down",
                    Duration.ofSeconds(request.getRetryAfterSeconds()));
        }
        if (request.getCode() == Status.Code.INVALID_ARGUMENT.value()) {
            throw new FineHeroException.InvalidArgument("BAD", "bad field",
                    List.of(new FineHeroException.FieldViolation("code", "is bad")));
        }
        throw Status.fromCodeValue(request.getCode()).withDescription("failure " + request.getCode()).asRuntimeException();
    }
}
