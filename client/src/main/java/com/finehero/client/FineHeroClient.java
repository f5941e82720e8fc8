package com.finehero.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.fines.v1.FinesServiceGrpc;
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

    private FineHeroClient(ManagedChannel channel, Duration deadline, Credentials credentials) {
        this.channel = channel;
        this.anonymous = ClientInterceptors.intercept(channel, new DefaultDeadline(deadline));
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

    public AuthServiceGrpc.AuthServiceBlockingStub auth() {
        return AuthServiceGrpc.newBlockingStub(calls);
    }

    public HealthGrpc.HealthBlockingStub health() {
        return HealthGrpc.newBlockingStub(calls);
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

        public FineHeroClient build() {
            if (host == null) {
                throw new IllegalStateException("target(host, port) must be set");
            }
            NettyChannelBuilder channel = NettyChannelBuilder.forAddress(host, port);
            if (maxAttempts > 1) {
                channel.defaultServiceConfig(RetryPolicy.serviceConfig(maxAttempts)).enableRetry();
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
            return new FineHeroClient(channel.build(), deadline, credentials);
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
