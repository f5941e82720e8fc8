package com.finehero.server.platform.rpc;

import java.time.Clock;
import java.util.Set;

import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * FineHero's own gRPC transport around Helidon's, for a floor that keeps at the transport what FineHero
 * keeps there and does it FineHero's way: its stream guard ({@link GrpcStreamGuard}: a call to a method no
 * service has answered UNIMPLEMENTED, a message over the limit RESOURCE_EXHAUSTED as soon as its length
 * prefix arrives, the per-call answer headers {@code x-request-id} and {@code traceparent} sent without
 * entering the connection's HPACK table) and its gathered writes ({@link CoalescedWrites}: a connection's
 * frames written to the socket together). A floor without them pays for evicting and re-sending HPACK
 * entries and for a write per frame, which FineHero does not.
 */
public final class FineHeroGrpcTransport {

    /** FineHero's default limit on a request message ({@code finehero.grpc.max-message-bytes}). */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private FineHeroGrpcTransport() {
    }

    /** HTTP/2 with {@code http2}'s settings serving Helidon's gRPC with {@code grpc}'s, for the {@code methods} named. */
    public static ServerConnectionSelector selector(Http2Config http2, GrpcConfig grpc, Set<String> methods) {
        return GrpcServing.selector(http2, grpc, methods, MAX_MESSAGE_BYTES, Clock.systemUTC());
    }
}
