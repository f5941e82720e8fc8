package com.finehero.server.platform;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.monitoring.v1.GetHealthRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** gRPC message compression: answers go out uncompressed, and a compressed request gets a clear refusal. */
class GrpcCompressionTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void answersAreNotCompressedThoughTheClientAcceptsGzip() {
        AtomicReference<String> encoding = new AtomicReference<>("(no headers)");
        Channel channel = ClientInterceptors.intercept(APP.channel(), new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata received) {
                                encoding.set(String.valueOf(received.get(ENCODING)));
                                super.onHeaders(received);
                            }
                        }, headers);
                    }
                };
            }
        });

        MonitoringServiceGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(5))
                .getHealth(GetHealthRequest.getDefaultInstance());

        assertThat(encoding.get()).isEqualTo("identity");
    }

    @Test
    void aCompressedRequestIsRefusedWithAReason() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                FinesServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(5))
                        .withCompression("gzip").getFine(GetFineRequest.newBuilder().setFineId("x".repeat(300)).build()));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(refused.getStatus().getDescription()).contains("gzip").contains("uncompressed");
    }
}
