package com.finehero.server.platform.observe;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.grpc.Context;
import io.grpc.Metadata;

/** What FineHero knows about the call being served, carried in the gRPC Context of its thread. */
public final class RequestContext {

    public static final Metadata.Key<String> REQUEST_ID_HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    /** Set by the REST bridge on the calls it makes (rest, websocket), so metrics can tell the protocols apart. */
    public static final Metadata.Key<String> PROTOCOL_HEADER = Metadata.Key.of("x-finehero-protocol", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> REQUEST_ID = Context.key("finehero-request-id");
    static final Context.Key<String> PROTOCOL = Context.key("finehero-protocol");
    static final Context.Key<TraceContext> TRACE = Context.key("finehero-trace");

    private RequestContext() {
    }

    /**
     * The request id of a request whose caller sent {@code given} ({@code x-request-id}, or null): the
     * caller's own if it is sane, else a new one.
     */
    public static String requestIdFor(String given) {
        return given != null && sane(given) ? given : newId();
    }

    /**
     * A random (version 4) UUID drawn from ThreadLocalRandom. A request id must be unique, not
     * unguessable, and UUID.randomUUID's SecureRandom makes concurrent calls queue on one lock.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }

    /**
     * 1 to 128 of {@code A-Z a-z 0-9 . _ : -}. Checked by hand: every REST call checks its id twice (the
     * bridge, then the pipeline), and a regular expression's matcher was 1.5% of a REST call's CPU.
     */
    static boolean sane(String id) {
        int length = id.length();
        if (length == 0 || length > 128) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = id.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** The id of the call this thread serves, or "" outside a call. */
    public static String requestId() {
        String id = REQUEST_ID.get();
        return id == null ? "" : id;
    }

    /** The W3C trace position of the call this thread serves (this server's span), if any. */
    public static java.util.Optional<TraceContext> trace() {
        return java.util.Optional.ofNullable(TRACE.get());
    }

    /**
     * "rest" when the call this thread serves came through the REST bridge over HTTP, "websocket" when
     * through its WebSocket face, otherwise "grpc".
     */
    public static String protocol() {
        return known(PROTOCOL.get());
    }

    /** The protocol of a call with these headers: "rest", "websocket" or "grpc". */
    public static String protocol(Metadata headers) {
        return known(headers.get(PROTOCOL_HEADER));
    }

    /** The face a server stream of the call this thread serves goes out on: "sse", "websocket" or "grpc". */
    public static String streamFace() {
        return switch (protocol()) {
            case "rest" -> "sse";
            case "websocket" -> "websocket";
            default -> "grpc";
        };
    }

    private static String known(String protocol) {
        return "rest".equals(protocol) || "websocket".equals(protocol) ? protocol : "grpc";
    }
}
