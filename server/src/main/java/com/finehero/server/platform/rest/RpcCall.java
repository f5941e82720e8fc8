package com.finehero.server.platform.rest;

import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.helidon.webserver.http.ServerResponse;

/**
 * The RPC behind one HTTP request. The request's forwarded headers go out as metadata; the response
 * headers and trailers are kept, to go back as HTTP headers.
 */
final class RpcCall {

    /** The in-process channel a streaming call goes through; null for a unary call. */
    private final Channel channel;
    private final MethodDescriptor<Message, Message> method;
    /** A streaming call's options, its deadline among them; null for a unary call. */
    private final CallOptions options;
    private final Message prototype;
    private final Metadata requestHeaders;
    /** The method's definition in the pipeline, for a unary call run without the channel; null otherwise. */
    private final ServerMethodDefinition<Message, Message> direct;
    /** When a unary call was opened, on {@link System#nanoTime()}'s clock, and the time it has from then. */
    private final long openedNanos;
    private final long timeoutMillis;
    private final AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    private final AtomicReference<Metadata> responseTrailers = new AtomicReference<>();

    private RpcCall(Channel channel, MethodDescriptor<Message, Message> method, CallOptions options, Metadata requestHeaders,
                    ServerMethodDefinition<Message, Message> direct, long timeoutMillis) {
        this.requestHeaders = Objects.requireNonNull(requestHeaders, "requestHeaders");
        this.method = Objects.requireNonNull(method, "method");
        this.options = options;
        this.direct = direct;
        this.openedNanos = System.nanoTime();
        this.timeoutMillis = timeoutMillis;
        this.channel = channel == null ? null : ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(requestHeaders),
                MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, responseTrailers));
        this.prototype = prototype(method);
    }

    /** A streaming call through the in-process channel, with its deadline in {@code options}. */
    static RpcCall streaming(Channel channel, MethodDescriptor<Message, Message> method, CallOptions options,
                             Metadata requestHeaders) {
        return new RpcCall(Objects.requireNonNull(channel, "channel"), method, Objects.requireNonNull(options, "options"),
                requestHeaders, null, 0);
    }

    /**
     * A unary call of the method's definition in the pipeline, run on the calling thread
     * ({@link DirectUnaryCall}) within {@code timeoutMillis} from now.
     */
    static RpcCall unary(ServerMethodDefinition<Message, Message> definition, Metadata requestHeaders, long timeoutMillis) {
        return new RpcCall(null, definition.getMethodDescriptor(), null, requestHeaders, definition, timeoutMillis);
    }

    /** An empty builder of the RPC's request message. */
    Message.Builder newRequest() {
        return prototype.newBuilderForType();
    }

    Message unary(Message request) {
        if (direct == null) {
            throw new IllegalStateException(method.getFullMethodName() + " is not unary");
        }
        long left = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos);
        return DirectUnaryCall.run(direct, request, requestHeaders, left, responseHeaders, responseTrailers);
    }

    Iterator<Message> serverStream(Message request) {
        return ClientCalls.blockingServerStreamingCall(channel, method, options, request);
    }

    /**
     * Messages a REST or WebSocket stream asks for ahead of what it has written. The in-process server
     * runs a watch's method as one long task of the call, so grpc-java cannot deliver the call's
     * on-ready signal until the method returns: with one message asked for at a time, the method saw
     * each new request only by polling {@code isReady()}, and a stream carried a few dozen events a
     * second. A window keeps the call ready while the HTTP client keeps up; a client that stops
     * reading still holds at most this many, and the watcher's own bounded queue takes the rest.
     */
    static final int STREAM_WINDOW = 16;

    /**
     * Starts a server stream whose messages and end go to {@code response}; the caller asks for
     * {@link #STREAM_WINDOW} messages at first ({@code disableAutoRequestWithInitial} in its
     * {@code beforeStart}) and one more for each it has written.
     */
    void serverStream(Message request, io.grpc.stub.ClientResponseObserver<Message, Message> response) {
        ClientCalls.asyncServerStreamingCall(channel.newCall(method, options), request, response);
    }

    /** Starts a client stream; its response goes to {@code response}. */
    StreamObserver<Message> clientStream(StreamObserver<Message> response) {
        return ClientCalls.asyncClientStreamingCall(channel.newCall(method, options), response);
    }

    /** Copies the call's response headers and trailers to the HTTP response. */
    void copyResponseHeaders(ServerResponse res) {
        ForwardedHeaders.copyToResponse(responseHeaders.get(), res);
        ForwardedHeaders.copyToResponse(responseTrailers.get(), res);
    }

    /** The trailers received so far, or null. */
    Metadata trailers() {
        return responseTrailers.get();
    }

    /** The binding's RPC request message, empty. */
    @SuppressWarnings("unchecked")
    static Message prototype(HttpBinding binding) {
        return prototype((MethodDescriptor<Message, Message>) binding.definition().getMethodDescriptor());
    }

    private static Message prototype(MethodDescriptor<Message, Message> method) {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller) {
            return (Message) marshaller.getMessagePrototype();
        }
        throw new IllegalStateException(method.getFullMethodName() + " has no protobuf request marshaller");
    }
}
