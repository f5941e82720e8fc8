package com.finehero.server.platform.rpc;

import java.util.Objects;
import java.util.Set;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2ErrorCode;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2FrameTypes;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2RstStream;
import io.helidon.http.http2.Http2Settings;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.http.http2.Http2StreamWriter;
import io.helidon.http.http2.Http2WindowUpdate;
import io.helidon.http.http2.StreamFlowControl;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.Router;
import io.helidon.webserver.http2.spi.Http2SubProtocolSelector;
import io.helidon.webserver.http2.spi.SubProtocolResult;

/**
 * Sits in front of Helidon's gRPC protocol on every HTTP/2 stream and answers what Helidon 4.5 answers
 * badly: a call to a method no service has gets UNIMPLEMENTED (Helidon: NOT_FOUND), and a message whose
 * length prefix is over the limit gets RESOURCE_EXHAUSTED naming the limit as soon as its first five
 * bytes arrive (Helidon: no answer at all, and one SEVERE stack trace per 16 KB frame that follows,
 * because it reads the rest of the message as further length prefixes). The refused message is
 * dropped frame by frame (flow control still credits it) until the client ends or resets the stream.
 */
final class GrpcStreamGuard implements Http2SubProtocolSelector {

    private static final int PREFIX = 5;

    private final Http2SubProtocolSelector grpc;
    private final Set<String> methods;
    private final long maxMessageBytes;
    private final RefusalLog refusals;

    /**
     * @param grpc            Helidon's selector, which serves every call that passes
     * @param methods         full names ({@code package.Service/Method}) of every method served
     * @param maxMessageBytes largest request message accepted
     */
    GrpcStreamGuard(Http2SubProtocolSelector grpc, Set<String> methods, long maxMessageBytes, RefusalLog refusals) {
        this.grpc = Objects.requireNonNull(grpc, "grpc");
        this.methods = Set.copyOf(methods);
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: > 0)");
        }
        this.maxMessageBytes = maxMessageBytes;
        this.refusals = Objects.requireNonNull(refusals, "refusals");
    }

    @Override
    @SuppressWarnings("checkstyle:ParameterNumber") // the SPI's signature
    public SubProtocolResult subProtocol(ConnectionContext ctx, HttpPrologue prologue, Http2Headers headers,
                                         Http2StreamWriter streamWriter, int streamId, Http2Settings serverSettings,
                                         Http2Settings clientSettings, StreamFlowControl flowControl,
                                         Http2StreamState currentStreamState, Router router) {
        // once FineHero has answered a stream, nothing Helidon's handler still writes for it goes out
        GatedWriter gated = new GatedWriter(streamWriter);
        SubProtocolResult helidon = grpc.subProtocol(ctx, prologue, headers, gated, streamId, serverSettings,
                clientSettings, flowControl, currentStreamState, router);
        if (!helidon.supported()) {
            return helidon; // not gRPC: REST and the other HTTP routes
        }
        String path = prologue.uriPath().path();
        String method = path.startsWith("/") ? path.substring(1) : path;
        if (!methods.contains(method)) {
            return new SubProtocolResult(true, new Refused(streamWriter, streamId, currentStreamState,
                    io.grpc.Status.UNIMPLEMENTED.withDescription("method " + method + " is not implemented by this server "
                            + "(server reflection lists the services)")));
        }
        return new SubProtocolResult(true, new SizeLimited(helidon.subProtocol(), gated, streamWriter, streamId,
                ctx.remotePeer().host(), method));
    }

    /** Writes a trailers-only gRPC answer: HTTP 200 with the status and message, ending the stream from our side. */
    private static void answer(Http2StreamWriter writer, int streamId, io.grpc.Status status) {
        WritableHeaders<?> writable = WritableHeaders.create();
        writable.set(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/grpc");
        writable.set(io.helidon.http.HeaderNames.create("grpc-status"), String.valueOf(status.getCode().value()));
        if (status.getDescription() != null) {
            // grpc-message is percent-encoded; these messages are plain ASCII without '%'
            writable.set(io.helidon.http.HeaderNames.create("grpc-message"), status.getDescription());
        }
        Http2Headers trailersOnly = Http2Headers.create(writable);
        trailersOnly.status(Status.OK_200);
        writer.writeHeaders(trailersOnly, streamId,
                Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS | Http2Flag.END_OF_STREAM), FlowControl.Outbound.NOOP);
    }

    /**
     * The next state once our side has ended the stream: still open for the client's remaining frames
     * (closing it early makes Helidon 4.5 answer a late frame with a connection-wide GOAWAY).
     */
    private static Http2StreamState localEnd(Http2StreamState current) {
        return switch (current) {
            case HALF_CLOSED_REMOTE, CLOSED -> Http2StreamState.CLOSED;
            default -> Http2StreamState.HALF_CLOSED_LOCAL;
        };
    }

    private static Http2StreamState remoteEnd(Http2StreamState current) {
        return switch (current) {
            case HALF_CLOSED_LOCAL, CLOSED -> Http2StreamState.CLOSED;
            default -> Http2StreamState.HALF_CLOSED_REMOTE;
        };
    }

    /** A stream answered at its start; whatever the client still sends is dropped. */
    private static final class Refused implements SubProtocolHandler {
        private final Http2StreamWriter writer;
        private final int streamId;
        private final io.grpc.Status status;
        private volatile Http2StreamState state;

        Refused(Http2StreamWriter writer, int streamId, Http2StreamState state, io.grpc.Status status) {
            this.writer = writer;
            this.streamId = streamId;
            this.state = state;
            this.status = status;
        }

        @Override
        public void init() {
            answer(writer, streamId, status);
            state = localEnd(state);
        }

        @Override
        public Http2StreamState streamState() {
            return state;
        }

        @Override
        public void rstStream(Http2RstStream rstStream) {
            state = Http2StreamState.CLOSED;
        }

        @Override
        public void windowUpdate(Http2WindowUpdate update) {
        }

        @Override
        public void data(Http2FrameHeader header, BufferData data) {
            if (header.flags(Http2FrameTypes.DATA).endOfStream()) {
                state = remoteEnd(state);
            }
        }
    }

    /** Helidon's handler for a known method, with every message's length prefix checked before it sees the bytes. */
    private final class SizeLimited implements SubProtocolHandler {
        private final SubProtocolHandler helidon;
        private final GatedWriter helidonWriter;
        private final Http2StreamWriter writer;
        private final int streamId;
        private final String peer;
        private final String method;
        // where the client is in its stream of length-prefixed messages
        private int prefixSeen;
        private long declaredLength;
        private long bodyLeft;
        private volatile Http2StreamState refusedState; // null while the call is Helidon's

        SizeLimited(SubProtocolHandler helidon, GatedWriter helidonWriter, Http2StreamWriter writer, int streamId, String peer,
                    String method) {
            this.helidon = helidon;
            this.helidonWriter = helidonWriter;
            this.writer = writer;
            this.streamId = streamId;
            this.peer = peer;
            this.method = method;
        }

        @Override
        public void init() {
            helidon.init();
        }

        @Override
        public Http2StreamState streamState() {
            Http2StreamState refused = refusedState;
            return refused == null ? helidon.streamState() : refused;
        }

        @Override
        public void rstStream(Http2RstStream rstStream) {
            if (refusedState != null) {
                refusedState = Http2StreamState.CLOSED;
                return;
            }
            helidon.rstStream(rstStream);
        }

        @Override
        public void windowUpdate(Http2WindowUpdate update) {
            if (refusedState == null) {
                helidon.windowUpdate(update);
            }
        }

        @Override
        public void data(Http2FrameHeader header, BufferData data) {
            boolean end = header.flags(Http2FrameTypes.DATA).endOfStream();
            if (refusedState != null) {
                if (end) {
                    refusedState = remoteEnd(refusedState);
                }
                return;
            }
            long oversized = oversizedMessage(data);
            if (oversized < 0) {
                helidon.data(header, data);
                return;
            }
            Http2StreamState state = helidon.streamState();
            helidonWriter.shut();
            // the call is over for the service too: it sees a cancellation, and Helidon stops reading
            helidon.rstStream(new Http2RstStream(Http2ErrorCode.CANCEL));
            String what = "a message of " + oversized + " bytes is over the limit of " + maxMessageBytes + " bytes";
            answer(writer, streamId, io.grpc.Status.RESOURCE_EXHAUSTED.withDescription(what
                    + " (finehero.rpc.max-message-bytes)"));
            refusedState = end ? Http2StreamState.CLOSED : localEnd(state == Http2StreamState.CLOSED
                    ? Http2StreamState.OPEN : state);
            refusals.refused(peer, method + ": " + what);
        }

        /** Follows the message framing through this frame; the declared length of a message over the limit, else -1. */
        private long oversizedMessage(BufferData data) {
            int available = data.available();
            int at = 0;
            while (at < available) {
                if (bodyLeft > 0) {
                    int skip = (int) Math.min(bodyLeft, available - at);
                    at += skip;
                    bodyLeft -= skip;
                    continue;
                }
                int b = data.get(at++) & 0xff;
                if (prefixSeen > 0) { // byte 0 is the compressed flag, bytes 1-4 the length
                    declaredLength = (declaredLength << 8) | b;
                }
                if (++prefixSeen == PREFIX) {
                    if (declaredLength > maxMessageBytes) {
                        return declaredLength;
                    }
                    bodyLeft = declaredLength;
                    prefixSeen = 0;
                    declaredLength = 0;
                }
            }
            return -1;
        }
    }

    /**
     * Passes the writes of Helidon's handler through until FineHero has answered the stream itself, a unary
     * answer written whole among them.
     */
    static final class GatedWriter implements Http2StreamWriter, WholeAnswerWriter {
        private final Http2StreamWriter writer;
        private volatile boolean shut;

        GatedWriter(Http2StreamWriter writer) {
            this.writer = writer;
        }

        void shut() {
            shut = true;
        }

        @Override
        public void write(Http2FrameData frame) {
            if (!shut) {
                writer.write(frame);
            }
        }

        @Override
        public void writeData(Http2FrameData frame, FlowControl.Outbound flowControl) {
            if (!shut) {
                writer.writeData(frame, flowControl);
            }
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, FlowControl.Outbound flowControl) {
            return shut ? 0 : writer.writeHeaders(notIndexedPerCall(headers), streamId, flags, flowControl);
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, Http2FrameData dataFrame,
                                FlowControl.Outbound flowControl) {
            return shut ? 0 : writer.writeHeaders(notIndexedPerCall(headers), streamId, flags, dataFrame, flowControl);
        }

        /** As the connection's writer, or {@code -1} (the parts one by one, through this) when it cannot. */
        @Override
        public int writeAnswer(Http2Headers headers, Http2FrameData dataFrame, Http2Headers trailers, int streamId,
                               FlowControl.Outbound flowControl) {
            if (shut) {
                return 0;
            }
            return writer instanceof WholeAnswerWriter whole
                    ? whole.writeAnswer(notIndexedPerCall(headers), dataFrame, notIndexedPerCall(trailers), streamId, flowControl)
                    : -1;
        }
    }

    /**
     * Response headers whose value is new on almost every call: the W3C trace position, and the request
     * id (a caller's own id is echoed, so a caller that sends the same one each time now gets it as a
     * literal of 36-odd bytes rather than a one-byte index).
     */
    private static final HeaderName[] PER_CALL = {HeaderNames.create("x-request-id"), HeaderNames.create("traceparent")};

    /**
     * Marks the per-call headers as changing, which Helidon's HPACK encoder sends without adding them
     * to the connection's dynamic table. Added, each call's two values would evict two entries that
     * are sent again (content type, grpc-status), and every header of every later response is looked
     * up in that table entry by entry: a fifth of a cache-hit call's header writing.
     */
    static Http2Headers notIndexedPerCall(Http2Headers headers) {
        if (headers.httpHeaders() instanceof WritableHeaders<?> writable) {
            for (HeaderName name : PER_CALL) {
                if (!writable.contains(name)) {
                    continue;
                }
                Header header = writable.get(name);
                if (!header.changing() && header.valueCount() == 1) {
                    writable.set(HeaderValues.create(name, true, header.sensitive(), header.get()));
                }
            }
        }
        return headers;
    }
}
