package com.finehero.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.RefreshRequest;
import com.finehero.api.auth.v1.TokenResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * What a client proves itself with, added to every call: an API key, a fixed access token, or a
 * username and password with which the client logs in, and refreshes its session before the access
 * token expires (logging in again if the refresh token is refused).
 */
public sealed interface Credentials {

    Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    static Credentials apiKey(String key) {
        return new ApiKey(key);
    }

    static Credentials accessToken(String token) {
        return new AccessToken(token);
    }

    static Credentials login(String username, String password) {
        return new Login(username, password, Clock.systemUTC());
    }

    /** A session whose expiry is judged by {@code clock} (the server's clock, in tests that move it). */
    static Credentials login(String username, String password, Clock clock) {
        return new Login(username, password, clock);
    }

    /** Adds the credential to {@code headers}; {@code auth} is an uncredentialed channel to log in on. */
    void apply(Metadata headers, Channel auth);

    record ApiKey(String key) implements Credentials {
        public ApiKey {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public void apply(Metadata headers, Channel auth) {
            headers.put(API_KEY, key);
        }

        @Override
        public String toString() {
            return "ApiKey[****]";
        }
    }

    record AccessToken(String token) implements Credentials {
        public AccessToken {
            Objects.requireNonNull(token, "token");
        }

        @Override
        public void apply(Metadata headers, Channel auth) {
            headers.put(AUTHORIZATION, "Bearer " + token);
        }

        @Override
        public String toString() {
            return "AccessToken[****]";
        }
    }

    /** A session kept alive by this client. */
    final class Login implements Credentials {
        /** Refresh this long before the access token expires, so a call never carries a stale one. */
        static final Duration EARLY = Duration.ofSeconds(30);

        private final String username;
        private final String password;
        private final Clock clock;
        private final ReentrantLock lock = new ReentrantLock();
        private volatile TokenResponse session;
        private volatile Instant obtainedAt = Instant.MIN;

        Login(String username, String password, Clock clock) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            this.clock = Objects.requireNonNull(clock, "clock");
        }

        @Override
        public void apply(Metadata headers, Channel auth) {
            headers.put(AUTHORIZATION, "Bearer " + current(auth).getAccessToken());
        }

        /** The live session, logging in or refreshing first when needed. */
        public TokenResponse current(Channel auth) {
            TokenResponse now = session;
            if (now != null && fresh(now)) {
                return now;
            }
            lock.lock();
            try {
                if (session != null && fresh(session)) {
                    return session;
                }
                Instant started = clock.instant();
                session = session == null ? login(auth) : refreshOrLogin(auth, session);
                obtainedAt = started;
                return session;
            } finally {
                lock.unlock();
            }
        }

        private boolean fresh(TokenResponse tokens) {
            Instant expires = Instant.ofEpochSecond(tokens.getAccessTokenExpireTime().getSeconds(), tokens.getAccessTokenExpireTime().getNanos());
            Instant now = clock.instant();
            // a clock set back before the session began (tests do) would meet a token "issued in the future"
            return !now.isBefore(obtainedAt) && now.plus(EARLY).isBefore(expires);
        }

        private TokenResponse refreshOrLogin(Channel auth, TokenResponse old) {
            try {
                return AuthServiceGrpc.newBlockingStub(auth).refresh(RefreshRequest.newBuilder().setRefreshToken(old.getRefreshToken()).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAUTHENTICATED) {
                    throw e;
                }
                return login(auth);
            }
        }

        private TokenResponse login(Channel auth) {
            return AuthServiceGrpc.newBlockingStub(auth).login(LoginRequest.newBuilder().setUsername(username).setPassword(password).build());
        }

        @Override
        public String toString() {
            return "Login[" + username + "]";
        }
    }

    /** Adds the credentials to every call made through it. */
    record Attach(Credentials credentials, Channel auth) implements ClientInterceptor {
        @Override
        public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<RespT> listener, Metadata headers) {
                    credentials.apply(headers, auth);
                    super.start(listener, headers);
                }
            };
        }
    }
}
