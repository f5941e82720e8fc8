package com.finehero.server.platform.rest;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.security.CallGate;
import com.finehero.server.platform.security.CallerAddress;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

/**
 * A server-streaming RPC over WebSocket, for browsers and apps that keep one socket open. The
 * credentials come with the upgrade — an {@code Authorization} or {@code x-api-key} header, or, since a
 * browser cannot set headers on a WebSocket, an {@code access_token} query parameter — and are checked
 * there (with the address limit), before any message is read. On the socket the client sends
 * {@code {"subscribe": {…the RPC's request as JSON…}}} to start (or replace) its stream and
 * {@code {"unsubscribe": {}}} to stop it; each streamed message arrives as one text frame holding the
 * same JSON Server-Sent Events carry. The stream is the RPC itself, made on the in-process channel, so
 * what a caller receives passes exactly the checks a gRPC caller's stream passes. When the stream
 * reaches {@code finehero.rest.stream-lifetime} it is started again after the last message's id, with
 * the credentials checked again, so the socket stays open without missing anything; a stream the RPC
 * itself ends sooner is answered {@code {"completed": {}}}.
 *
 * <p>A failure is sent as {@code {"error": google.rpc.Status}}. Bad credentials, an expired or revoked
 * token, or a role that may not call the RPC close the socket with 1008 (policy violation), too many
 * open streams with 1013 (try again later), a stopping server with 1001; a malformed or invalid
 * subscribe message only answers the error and leaves the socket open. The server pings an idle
 * socket every {@code finehero.rest.heartbeat}.
 */
final class StreamSockets implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StreamSockets.class.getName());
    private static final String ACCESS_TOKEN = "access_token";
    private static final int MAX_REASON_BYTES = 123; // what a close frame's reason may hold

    private final HttpBinding binding;
    private final InProcessCalls calls;
    private final ErrorBodies errors;
    private final BodyCodec codec;
    private final RequestMapper requests = new RequestMapper();
    private final CallGate gate;
    private final Duration lifetime;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("finehero-ws-ping").factory());

    StreamSockets(HttpBinding binding, InProcessCalls calls, ErrorBodies errors, BodyCodec codec, CallGate gate, Duration heartbeat,
                  Duration lifetime) {
        if (!binding.serverStreaming() || binding.clientStreaming()) {
            throw new IllegalArgumentException(binding.method().getFullName() + " is not a server-streaming RPC");
        }
        this.binding = binding;
        this.calls = Objects.requireNonNull(calls, "calls");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        long every = Math.max(1, heartbeat.toMillis());
        pinger.scheduleWithFixedDelay(() -> open.forEach(Socket::pingIfIdle), every, every, TimeUnit.MILLISECONDS);
    }

    /** A listener for one new socket. */
    WsListener newSocket() {
        return new Socket();
    }

    @Override
    public void close() {
        pinger.shutdownNow();
        open.forEach(socket -> socket.shutDown());
    }

    /** One socket: its credentials, its current stream, and a lock so frames never interleave. */
    private final class Socket implements WsListener {
        private volatile Metadata headers;
        private volatile FineHeroException refusedAtUpgrade;
        private volatile WsSession session;
        private volatile Stream stream;
        private volatile long lastSentNanos = System.nanoTime();

        @Override
        public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers upgrade) {
            Metadata metadata = new Metadata();
            upgrade.first(HeaderNames.AUTHORIZATION).ifPresent(v -> metadata.put(key("authorization"), v));
            upgrade.first(HeaderNames.create("x-api-key")).ifPresent(v -> metadata.put(key("x-api-key"), v));
            if (!metadata.containsKey(key("authorization")) && prologue.query().contains(ACCESS_TOKEN)) {
                metadata.put(key("authorization"), "Bearer " + prologue.query().get(ACCESS_TOKEN));
            }
            upgrade.first(HeaderNames.create("traceparent")).ifPresent(v -> metadata.put(key("traceparent"), v));
            metadata.put(RequestContext.PROTOCOL_HEADER, "websocket");
            this.headers = metadata;
            return Optional.empty();
        }

        @Override
        public void onOpen(WsSession session) {
            this.session = session;
            String address = session.socketContext().remotePeer().host();
            headers.removeAll(CallerAddress.HEADER);
            headers.put(CallerAddress.HEADER, address);
            try {
                gate.chargeAddress(address);
                gate.checkCredentials(binding.definition().getMethodDescriptor(), headers);
            } catch (FineHeroException refused) {
                refusedAtUpgrade = refused;
            }
            if (refusedAtUpgrade != null) {
                fail(refusedAtUpgrade);
                return;
            }
            open.add(this);
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            if (refusedAtUpgrade != null) {
                return;
            }
            JsonObject message;
            try {
                JsonElement parsed = RequestMapper.parse(text, "the WebSocket message");
                if (!parsed.isJsonObject() || parsed.getAsJsonObject().size() != 1) {
                    throw RestRequestException.badRequest(
                            "a message is {\"subscribe\": {…request…}} or {\"unsubscribe\": {}}");
                }
                message = parsed.getAsJsonObject();
            } catch (RestRequestException e) {
                sendError(e.status());
                return;
            }
            if (message.has("unsubscribe")) {
                stopStream("the client unsubscribed");
                return;
            }
            JsonElement subscribe = message.get("subscribe");
            if (subscribe == null || !subscribe.isJsonObject()) {
                sendError(RestRequestException.badRequest(
                        "a message is {\"subscribe\": {…request…}} or {\"unsubscribe\": {}}").status());
                return;
            }
            Message request;
            try {
                request = requests.build(RpcCall.prototype(binding).newBuilderForType(), subscribe.getAsJsonObject());
            } catch (RestRequestException e) {
                sendError(e.status());
                return;
            }
            stopStream("the client subscribed again");
            startStream(request);
        }

        @Override
        public void onMessage(WsSession session, BufferData buffer, boolean last) {
            sendError(RestRequestException.badRequest("messages are JSON text frames, not binary").status());
        }

        @Override
        public void onClose(WsSession session, int status, String reason) {
            open.remove(this);
            stopStream("the client closed the socket");
        }

        @Override
        public void onError(WsSession session, Throwable t) {
            open.remove(this);
            stopStream("the socket failed");
            LOG.log(Level.DEBUG, "a WebSocket failed", t);
        }

        private void startStream(Message request) {
            Stream next = new Stream(request);
            stream = next;
            Thread.ofVirtual().name("finehero-ws-stream").start(() -> calls.open(binding, headers).serverStream(request, next));
        }

        private void stopStream(String why) {
            Stream current = stream;
            stream = null;
            if (current != null) {
                current.cancel(why);
            }
        }

        void pingIfIdle() {
            WsSession current = session;
            if (current != null && System.nanoTime() - lastSentNanos > TimeUnit.MILLISECONDS.toNanos(100)) {
                synchronized (this) {
                    try {
                        current.ping(BufferData.empty());
                    } catch (RuntimeException e) {
                        LOG.log(Level.DEBUG, "pinging a WebSocket failed", e);
                    }
                }
            }
        }

        void shutDown() {
            stopStream("the server is stopping");
            close(WsCloseCodes.GOING_AWAY, "the server is stopping; connect again");
        }

        private synchronized void send(String text) {
            session.send(text, true);
            lastSentNanos = System.nanoTime();
        }

        private void sendError(RuntimeException failure) {
            try {
                send("{\"error\":" + errors.statusJson(failure) + "}");
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "sending an error on a WebSocket failed", e);
            }
        }

        /** Sends the failure, and closes the socket when it is about the caller rather than the request. */
        private void fail(RuntimeException failure) {
            sendError(failure);
            Status.Code code = failure instanceof StatusRuntimeException s ? s.getStatus().getCode()
                    : failure instanceof FineHeroException f ? f.code() : Status.Code.INTERNAL;
            switch (code) {
                case UNAUTHENTICATED, PERMISSION_DENIED -> close(WsCloseCodes.VIOLATED_POLICY, code.name() + ": " + failure.getMessage());
                case RESOURCE_EXHAUSTED, UNAVAILABLE -> close(WsCloseCodes.TRY_AGAIN_LATER, code.name() + ": " + failure.getMessage());
                case INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, OUT_OF_RANGE -> { } // the client may subscribe again
                default -> close(WsCloseCodes.UNEXPECTED_CONDITION, code.name());
            }
        }

        private synchronized void close(int code, String reason) {
            open.remove(this);
            WsSession current = session;
            if (current == null) {
                return;
            }
            try {
                current.close(code, fitted(reason));
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "closing a WebSocket failed", e);
            }
        }

        /** One stream of the RPC; restarts after its last message when the server's stream lifetime ends it. */
        private final class Stream implements ClientResponseObserver<Message, Message> {
            private final Message request;
            private volatile ClientCallStreamObserver<Message> call;
            private volatile boolean cancelled;
            private volatile long lastId;
            private final long startedNanos = System.nanoTime();

            Stream(Message request) {
                this.request = request;
            }

            @Override
            public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
                this.call = requestStream;
                requestStream.disableAutoRequestWithInitial(RpcCall.STREAM_WINDOW);
            }

            @Override
            public void onNext(Message value) {
                if (cancelled) {
                    return;
                }
                try {
                    send(codec.print(value, binding));
                    lastId = Math.max(lastId, EventPositions.idOf(value));
                    call.request(1);
                } catch (RuntimeException e) {
                    cancel("the WebSocket could not be written");
                }
            }

            @Override
            public void onError(Throwable t) {
                if (cancelled) {
                    return;
                }
                StatusRuntimeException failure = t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t).asRuntimeException();
                if (failure.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                    again();
                } else {
                    fail(failure);
                }
            }

            @Override
            public void onCompleted() {
                if (cancelled) {
                    return;
                }
                if (System.nanoTime() - startedNanos >= lifetime.toNanos() / 2) {
                    again(); // ended by its lifetime, not because it had nothing more to say
                } else {
                    try {
                        send("{\"completed\":{}}");
                    } catch (RuntimeException e) {
                        LOG.log(Level.DEBUG, "a WebSocket could not be written", e);
                    }
                }
            }

            /** The same subscription from after the last message sent: the stream's lifetime is not the socket's. */
            private void again() {
                if (stream != this) {
                    return;
                }
                startStream(EventPositions.resumedAfter(request, lastId));
            }

            void cancel(String why) {
                cancelled = true;
                ClientCallStreamObserver<Message> current = call;
                if (current != null) {
                    current.cancel(why, null);
                }
            }
        }
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER);
    }

    /** A close reason cut to what a close frame can carry. */
    static String fitted(String reason) {
        byte[] bytes = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return reason;
        }
        String cut = new String(bytes, 0, MAX_REASON_BYTES - 3, java.nio.charset.StandardCharsets.UTF_8);
        return cut.replaceAll("\uFFFD$", "") + "...";
    }
}
