package com.finehero.server.platform.rpc;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthProto;
import io.grpc.reflection.v1.ServerReflectionProto;
import io.helidon.config.Config;
import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcProtocolSelector;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http2.Http2ConnectionSelector;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * How the gRPC side of the server is put on Helidon: the pipeline's services, gRPC health and
 * reflection (each request marshaller tolerant, each service listed once), and an HTTP/2 connection
 * selector whose gRPC streams pass through {@link GrpcStreamGuard} first. Register both:
 *
 * <pre>
 * WebServer.builder().addRouting(grpc.routing()).addConnectionSelector(grpc.connectionSelector())
 * </pre>
 *
 * The selector serves connections that start with the HTTP/2 preface (every gRPC client) and TLS
 * connections that negotiate h2; Helidon's own HTTP/2 selector stays behind it for an HTTP/1.1
 * upgrade to h2c, which no gRPC client uses.
 */
public final class GrpcServing {

    /** From one peer, at most one refusal is logged this often. */
    private static final Duration REFUSAL_LOG_EVERY = Duration.ofSeconds(10);

    private final GrpcRouting.Builder routing;
    private final ServerConnectionSelector selector;

    private GrpcServing(GrpcRouting.Builder routing, ServerConnectionSelector selector) {
        this.routing = routing;
        this.selector = selector;
    }

    /**
     * @param server           the {@code server} node (its {@code grpc} and {@code protocols})
     * @param maxMessageBytes  {@code finehero.rpc.max-message-bytes}: a larger request message is refused at its length prefix
     * @param reflection       serve gRPC server reflection ({@code server.features.grpc-reflection.enabled})
     * @param health   grpc-services' health service, fed by FineHero's health monitor
     * @param errors   closes a call whose request did not parse with INVALID_ARGUMENT
     */
    public static GrpcServing create(Config server, int maxMessageBytes, boolean reflection, RpcPipeline pipeline,
                                     BindableService health, ErrorInterceptor errors, Clock clock) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(errors, "errors");
        Objects.requireNonNull(clock, "clock");

        List<RpcPipeline.Registered> served = new ArrayList<>(pipeline.services());
        served.add(RpcPipeline.beside(HealthProto.getDescriptor(), health, errors));
        if (reflection) {
            Map<String, com.google.protobuf.Descriptors.FileDescriptor> files = new LinkedHashMap<>();
            served.forEach(s -> files.put(s.definition().getServiceDescriptor().getName(), s.file()));
            files.put(ServerReflectionProto.getDescriptor().getServices().getFirst().getFullName(),
                    ServerReflectionProto.getDescriptor());
            served.add(RpcPipeline.beside(ServerReflectionProto.getDescriptor(), new ReflectionService(files), errors));
        }

        GrpcRouting.Builder routing = GrpcRouting.builder().config(server.get("grpc"));
        Set<String> methods = new LinkedHashSet<>();
        for (RpcPipeline.Registered service : served) {
            routing.service(service.file(), service.bindable());
            service.definition().getMethods().forEach(m -> methods.add(m.getMethodDescriptor().getFullMethodName()));
        }

        return new GrpcServing(routing, selector(Http2Config.create(server.get("protocols.http_2")),
                GrpcConfig.create(server.get("protocols.grpc")), methods, maxMessageBytes, clock));
    }

    /**
     * FineHero's gRPC transport around Helidon's: HTTP/2 with {@code http2}'s settings, each connection's
     * frames written together ({@link CoalescedWrites}), and every stream through {@link GrpcStreamGuard}
     * before Helidon's gRPC protocol with {@code configured}'s settings serves the {@code methods} named.
     */
    static ServerConnectionSelector selector(Http2Config http2, GrpcConfig configured, Set<String> methods, int maxMessageBytes,
                                             Clock clock) {
        // Helidon's own limit must never be the one that answers: it answers nothing (see GrpcStreamGuard)
        GrpcConfig grpc = GrpcConfig.builder().from(configured)
                .maxReadBufferSize(Math.max(configured.maxReadBufferSize(), maxMessageBytes))
                .build();
        return new CoalescedWrites(Http2ConnectionSelector.builder()
                .http2Config(http2)
                .addSubProtocolSelector(new GrpcStreamGuard(GrpcProtocolSelector.create(grpc), methods, maxMessageBytes,
                        new RefusalLog(clock, REFUSAL_LOG_EVERY)))
                .build());
    }

    public GrpcRouting.Builder routing() {
        return routing;
    }

    public ServerConnectionSelector connectionSelector() {
        return selector;
    }
}
