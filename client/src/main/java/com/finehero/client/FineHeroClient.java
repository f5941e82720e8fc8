package com.finehero.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.DownloadDocumentRequest;
import com.finehero.api.documents.v1.UploadHeader;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * A FineHero connection: one gRPC channel and the generated stubs on it, every call bounded by a
 * deadline (the default unless the caller sets one). Closing the client closes the channel.
 *
 * <pre>
 * try (FineHeroClient finehero = FineHeroClient.builder().target("localhost", 8080)
 *         .credentials(Credentials.login("alice", password)).build()) {
 *     Fine fine = finehero.fines().getFine(GetFineRequest.newBuilder().setFineId(id).build());
 * }
 * </pre>
 */
public final class FineHeroClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final Channel calls;

    private final Channel anonymous;
    private final ConsistencyTokens consistency;

    private FineHeroClient(ManagedChannel channel, Duration deadline, Credentials credentials, ConsistencyTokens consistency) {
        this.channel = channel;
        this.consistency = consistency;
        this.anonymous = ClientInterceptors.intercept(channel, consistency, new DefaultDeadline(deadline));
        this.calls = credentials == null ? anonymous
                : ClientInterceptors.intercept(anonymous, new Credentials.Attach(credentials, anonymous));
    }

    public static Builder builder() {
        return new Builder();
    }

    public FinesServiceGrpc.FinesServiceBlockingStub fines() {
        return FinesServiceGrpc.newBlockingStub(calls);
    }

    public FinesServiceGrpc.FinesServiceFutureStub finesAsync() {
        return FinesServiceGrpc.newFutureStub(calls);
    }

    public DocumentsServiceGrpc.DocumentsServiceBlockingStub documents() {
        return DocumentsServiceGrpc.newBlockingStub(calls);
    }

    public DocumentsServiceGrpc.DocumentsServiceFutureStub documentsAsync() {
        return DocumentsServiceGrpc.newFutureStub(calls);
    }

    public TasksServiceGrpc.TasksServiceBlockingStub tasks() {
        return TasksServiceGrpc.newBlockingStub(calls);
    }

    public TasksServiceGrpc.TasksServiceFutureStub tasksAsync() {
        return TasksServiceGrpc.newFutureStub(calls);
    }

    public MonitoringServiceGrpc.MonitoringServiceBlockingStub monitoring() {
        return MonitoringServiceGrpc.newBlockingStub(calls);
    }

    public MonitoringServiceGrpc.MonitoringServiceFutureStub monitoringAsync() {
        return MonitoringServiceGrpc.newFutureStub(calls);
    }

    public AuthServiceGrpc.AuthServiceBlockingStub auth() {
        return AuthServiceGrpc.newBlockingStub(calls);
    }

    public AuthServiceGrpc.AuthServiceFutureStub authAsync() {
        return AuthServiceGrpc.newFutureStub(calls);
    }

    public com.finehero.api.events.v1.EventsServiceGrpc.EventsServiceBlockingStub events() {
        return com.finehero.api.events.v1.EventsServiceGrpc.newBlockingStub(calls);
    }

    public com.finehero.api.events.v1.EventsServiceGrpc.EventsServiceFutureStub eventsAsync() {
        return com.finehero.api.events.v1.EventsServiceGrpc.newFutureStub(calls);
    }

    public HealthGrpc.HealthBlockingStub health() {
        return HealthGrpc.newBlockingStub(calls);
    }

    public HealthGrpc.HealthFutureStub healthAsync() {
        return HealthGrpc.newFutureStub(calls);
    }

    /**
     * Uploads a file as a new document: the header (its SHA-256 filled in, so the server checks the
     * bytes it stored, and without a content type the one the file's extension says, see
     * {@link Transfers#contentTypeOf}), then the content in chunks, {@code progress} told after each chunk.
     */
    public Document uploadDocument(UploadHeader header, java.nio.file.Path file, Transfers.Progress progress) {
        return new Transfers(calls).upload(header, file, progress);
    }

    /** Uploads {@code content} ({@code size} bytes, or -1 if unknown) as a new document. */
    public Document uploadDocument(UploadHeader header, java.io.InputStream content, long size, Transfers.Progress progress) {
        return new Transfers(calls).upload(header, content, size, progress);
    }

    /** Streams a document's content into {@code out}; returns the document (without content). */
    public Document downloadDocument(DownloadDocumentRequest request, java.io.OutputStream out, Transfers.Progress progress) {
        return new Transfers(calls).download(request, out, progress);
    }

    /** Streams a document's content into {@code file}, which appears only once the download is complete. */
    public Document downloadDocument(DownloadDocumentRequest request, java.nio.file.Path file, Transfers.Progress progress) {
        return new Transfers(calls).download(request, file, progress);
    }

    /**
     * Follows a task, handing every update to {@code onUpdate}, until it ends (SUCCEEDED, DEAD or
     * CANCELLED) or {@code timeout} passes; returns the last state seen.
     */
    public Task watchTask(String taskId, Duration timeout, java.util.function.Consumer<Task> onUpdate) {
        return new Transfers(calls).watchTask(taskId, timeout, onUpdate);
    }

    /**
     * Follows the event feed (WatchEvents): the events {@code request} selects that this caller may read,
     * resuming by itself after a dropped connection. {@code finehero.events(WatchEventsRequest.newBuilder()
     * .setMine(true).build())}
     */
    public EventStream events(com.finehero.api.events.v1.WatchEventsRequest request) {
        return new EventStream(calls, java.util.Objects.requireNonNull(request, "request"));
    }

    /** The channel with the default deadline and the credentials applied, for stubs this client has no method for. */
    public Channel channel() {
        return calls;
    }

    /**
     * The newest consistency token ({@code x-finehero-consistency}) an answer carried: every call sends it,
     * so when FineHero reads from replicas this client still reads its own writes. Empty until a call
     * wrote on a server with replicas. A program that restarts can hand it to
     * {@link Builder#consistencyToken} to keep reading its earlier writes.
     */
    public java.util.Optional<String> consistencyToken() {
        return consistency.newest();
    }

    /** The same connection without credentials. */
    public Channel anonymousChannel() {
        return anonymous;
    }

    /**
     * Runs a stub call and turns a failure into a typed {@link FineHeroException}:
     * {@code finehero.call(() -> finehero.fines().getFine(request))}.
     */
    public <T> T call(java.util.function.Supplier<T> stubCall) {
        try {
            return stubCall.get();
        } catch (io.grpc.StatusRuntimeException e) {
            throw FineHeroException.from(e);
        }
    }

    /**
     * Turns a future stub's answer into a {@link java.util.concurrent.CompletableFuture} that fails with a typed
     * {@link FineHeroException}: {@code finehero.async(finehero.finesAsync().getFine(request))}.
     */
    public <T> java.util.concurrent.CompletableFuture<T> async(com.google.common.util.concurrent.ListenableFuture<T> stubCall) {
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        stubCall.addListener(() -> {
            try {
                result.complete(com.google.common.util.concurrent.Futures.getDone(stubCall));
            } catch (java.util.concurrent.ExecutionException e) {
                result.completeExceptionally(e.getCause() instanceof io.grpc.StatusRuntimeException status
                        ? FineHeroException.from(status) : e.getCause());
            } catch (java.util.concurrent.CancellationException e) {
                result.cancel(false);
            }
        }, Runnable::run);
        return result;
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private String host;
        private int port;
        private boolean plaintext = true;
        private Duration deadline = Duration.ofSeconds(10);
        private Credentials credentials;
        private int maxAttempts = 3;
        private java.nio.file.Path trustedCertificates;
        private String consistencyToken;
        private final java.util.List<java.net.InetSocketAddress> moreTargets = new java.util.ArrayList<>();

        private Builder() {
        }

        public Builder target(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
            }
            this.port = port;
            return this;
        }

        /**
         * Several instances without a load balancer in front: calls are spread round-robin over the
         * {@link #target} and these, and an instance that refuses connections or reports NOT_SERVING on
         * gRPC health (draining, database down) is left out until it is healthy again. Writes are not
         * repeated on another instance; reads are, as with one target (see {@link #maxAttempts}).
         */
        public Builder alsoTarget(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
            }
            moreTargets.add(java.net.InetSocketAddress.createUnresolved(host, port));
            return this;
        }

        /** Uses TLS with the JDK's trust store (default: plaintext). */
        public Builder tls() {
            this.plaintext = false;
            return this;
        }

        /** Uses TLS, trusting the certificates in this PEM file (a private CA, a self-signed server). */
        public Builder tls(java.nio.file.Path trustedCertificates) {
            this.plaintext = false;
            this.trustedCertificates = Objects.requireNonNull(trustedCertificates, "trustedCertificates");
            return this;
        }

        /** The deadline of a call that sets none (default 10 s). */
        public Builder deadline(Duration deadline) {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
            }
            this.deadline = deadline;
            return this;
        }

        /** Calls with this API key. */
        public Builder apiKey(String key) {
            return credentials(Credentials.apiKey(key));
        }

        /** Logs in as this user on first use and keeps the session fresh. */
        public Builder credentials(String username, String password) {
            return credentials(Credentials.login(username, password));
        }

        /** Sends these credentials with every call (default: none, for anonymous calls such as health). */
        public Builder credentials(Credentials credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** Attempts of a reading call that meets UNAVAILABLE (default 3; 1 turns retries off). */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 5) {
                throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 1-5)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Starts from a consistency token an earlier client was given ({@link FineHeroClient#consistencyToken}),
         * so this one too reads no replica behind those writes. A value that is not a token is ignored.
         */
        public Builder consistencyToken(String token) {
            this.consistencyToken = Objects.requireNonNull(token, "token");
            return this;
        }

        public FineHeroClient build() {
            if (host == null) {
                throw new IllegalStateException("target(host, port) must be set");
            }
            NettyChannelBuilder channel;
            java.util.Map<String, Object> serviceConfig = new java.util.HashMap<>(RetryPolicy.serviceConfig(maxAttempts));
            if (moreTargets.isEmpty()) {
                channel = NettyChannelBuilder.forAddress(host, port);
            } else {
                java.util.List<java.net.InetSocketAddress> all = new java.util.ArrayList<>();
                all.add(java.net.InetSocketAddress.createUnresolved(host, port));
                all.addAll(moreTargets);
                StaticTargets targets = new StaticTargets(all);
                @SuppressWarnings("deprecation") // the registry-free way to give one channel its own resolver
                NettyChannelBuilder spread = NettyChannelBuilder.forTarget(targets.target()).nameResolverFactory(targets);
                channel = spread;
                // grpc-services' health-checking round_robin: each instance's grpc.health.v1 status for "" counts
                serviceConfig.put("loadBalancingConfig", java.util.List.of(java.util.Map.of("round_robin", java.util.Map.of())));
                serviceConfig.put("healthCheckConfig", java.util.Map.of("serviceName", ""));
            }
            channel.defaultServiceConfig(serviceConfig);
            if (maxAttempts > 1) {
                channel.enableRetry();
            } else {
                channel.disableRetry();
            }
            if (plaintext) {
                channel.usePlaintext();
            } else if (trustedCertificates != null) {
                try {
                    channel.sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                            .trustManager(trustedCertificates.toFile()).build());
                } catch (javax.net.ssl.SSLException e) {
                    throw new IllegalArgumentException("cannot use " + trustedCertificates + " as trusted certificates: " + e.getMessage(), e);
                }
            } else {
                channel.useTransportSecurity();
            }
            return new FineHeroClient(channel.build(), deadline, credentials, new ConsistencyTokens(consistencyToken));
        }
    }

    /** Gives every call without a deadline the default one, measured from the call's start. */
    private record DefaultDeadline(Duration deadline) implements ClientInterceptor {
        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
                                                                   CallOptions options, Channel next) {
            CallOptions bounded = options.getDeadline() == null
                    ? options.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS) : options;
            return next.newCall(method, bounded);
        }
    }
}
