package com.finehero.server.platform.rpc;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcProtocolSelector;
import io.helidon.webserver.http2.spi.Http2SubProtocolSelector;

/**
 * FineHero's guard in front of Helidon's gRPC streams ({@link GrpcStreamGuard}), for a floor that keeps at
 * the transport what FineHero keeps there, with FineHero's own code: a call to a method no service has
 * answered UNIMPLEMENTED, a message over the limit RESOURCE_EXHAUSTED as soon as its length prefix arrives,
 * and the per-call answer headers ({@code x-request-id}, {@code traceparent}) sent without entering the
 * connection's HPACK table. A floor that sends those headers through the table pays for evicting and
 * re-sending the entries they push out, which FineHero does not.
 */
public final class GuardedGrpcStreams {

    /** FineHero's default limit on a request message ({@code finehero.grpc.max-message-bytes}). */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private GuardedGrpcStreams() {
    }

    /** Helidon's gRPC protocol with {@code grpc}'s settings, behind FineHero's guard, serving the {@code methods} named. */
    public static Http2SubProtocolSelector selector(GrpcConfig grpc, Set<String> methods) {
        GrpcConfig sized = GrpcConfig.builder().from(grpc).maxReadBufferSize(Math.max(grpc.maxReadBufferSize(), MAX_MESSAGE_BYTES)).build();
        return new GrpcStreamGuard(GrpcProtocolSelector.create(sized), methods, MAX_MESSAGE_BYTES,
                new RefusalLog(Clock.systemUTC(), Duration.ofSeconds(10)));
    }
}
