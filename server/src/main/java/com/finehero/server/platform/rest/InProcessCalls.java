package com.finehero.server.platform.rest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.finehero.server.platform.rpc.RpcPipeline;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.Metadata;

/**
 * The very service definitions Helidon's gRPC routing serves, interceptors included, for the REST
 * bridge: a REST call made here gets the result, the status and the checks a gRPC call gets. A unary
 * call runs them on the calling thread without a transport ({@link DirectUnaryCall}); a streaming call
 * goes through an in-process gRPC server and channels to it.
 *
 * <p>Calls take {@link #CHANNELS} channels in turn: an in-process transport starts each of its streams
 * under one lock, on which concurrent REST calls over a single channel would queue.
 */
final class InProcessCalls implements AutoCloseable {

    /** Channels to the in-process server; calls take them in turn. */
    static final int CHANNELS = 4;

    private final Server server;
    private final List<ManagedChannel> channels = new ArrayList<>(CHANNELS);
    private final AtomicInteger next = new AtomicInteger();
    private final long timeoutMillis;
    private final long streamLifetimeMillis;

    /** @param streamLifetime the deadline of a server-streaming call, in place of {@code timeout} */
    InProcessCalls(RpcPipeline pipeline, Duration timeout, Duration streamLifetime) {
        Objects.requireNonNull(pipeline, "pipeline");
        this.timeoutMillis = Objects.requireNonNull(timeout, "timeout").toMillis();
        this.streamLifetimeMillis = Objects.requireNonNull(streamLifetime, "streamLifetime").toMillis();
        String name = "finehero-rest-" + UUID.randomUUID();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
        for (RpcPipeline.Registered service : pipeline.services()) {
            builder.addService(service.definition());
        }
        try {
            this.server = builder.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Connected now and never idle. A call made while the channel connects is held and later started
        // on the thread that finished connecting; the in-process server runs a server-streaming method (a
        // watch) on the thread that starts its call, for as long as it streams, so one held watch kept
        // that thread and every call held behind it never started. 30 days turns idle mode off.
        for (int i = 0; i < CHANNELS; i++) {
            ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().idleTimeout(30, TimeUnit.DAYS).build();
            connect(channel);
            channels.add(channel);
        }
    }

    private static void connect(ManagedChannel channel) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (channel.getState(true) != ConnectivityState.READY) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the in-process channel did not connect: " + channel.getState(false));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }

    /**
     * A call of the binding's RPC with the request's forwarded headers; its deadline starts now. A unary
     * call runs the binding's definition, which is the pipeline's, on the calling thread.
     */
    @SuppressWarnings("unchecked")
    RpcCall open(HttpBinding binding, Metadata headers) {
        ServerMethodDefinition<Message, Message> definition = (ServerMethodDefinition<Message, Message>) binding.definition();
        if (definition.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
            return RpcCall.unary(definition, headers, timeoutMillis);
        }
        long deadlineMillis = binding.serverStreaming() && !binding.clientStreaming() ? streamLifetimeMillis : timeoutMillis;
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
        ManagedChannel channel = channels.get(Math.floorMod(next.getAndIncrement(), CHANNELS));
        return RpcCall.streaming(channel, definition.getMethodDescriptor(), options, headers);
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        server.shutdownNow();
    }
}
