package com.finehero.server.platform.security;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;

/** Limits per caller and per method, on the embedded limiter; the clock refills them (logins: {@code LoginThrottleTest}). */
class RateLimitTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.security.rate-limits.per-identity", "5")
            .with("finehero.security.rate-limits.methods.0.method", "finehero.auth.v1.AuthService/ListApiKeys")
            .with("finehero.security.rate-limits.methods.0.per-identity", "2");

    /** Anonymous calls (logins) share one bucket per address: each test starts with every bucket full. */
    @BeforeEach
    void bucketsRefilled() {
        APP.clock().advance(Duration.ofMinutes(1));
    }

    @Test
    void aCallerOverTheLimitIsToldWhenToComeBackAndOthersAreNot() {
        // the extension's admin is exempt from nothing: give each case its own users
        TestSession busy = APP.userWith(Role.ROLE_VIEWER);
        TestSession other = APP.userWith(Role.ROLE_VIEWER);
        var mine = AuthServiceGrpc.newBlockingStub(busy.channel());
        for (int i = 0; i < 5; i++) {
            mine.getMe(GetMeRequest.getDefaultInstance());
        }
        StatusRuntimeException limited = failure(Status.Code.RESOURCE_EXHAUSTED, () -> mine.getMe(GetMeRequest.getDefaultInstance()));
        assertThat(reason(limited)).isEqualTo("RATE_LIMITED");
        RetryInfo retry = StatusProto.fromThrowable(limited).getDetailsList().stream().filter(d -> d.is(RetryInfo.class))
                .map(d -> unpack(d)).findFirst().orElseThrow();
        assertThat(retry.getRetryDelay().getSeconds()).isBetween(1L, 60L);

        HttpResponse<String> rest = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/v1/auth/me"))
                .header("authorization", "Bearer " + busy.accessToken()).GET().build());
        assertThat(rest.statusCode()).isEqualTo(429);
        assertThat(rest.headers().firstValue("retry-after")).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isPositive());

        assertThat(AuthServiceGrpc.newBlockingStub(other.channel()).getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId())
                .as("another caller has a bucket of its own").isEqualTo(other.userId());
        APP.clock().advance(Duration.ofMinutes(1));
        assertThat(mine.getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId()).as("refilled").isEqualTo(busy.userId());
    }

    @Test
    void aMethodCanHaveATighterLimit() {
        TestSession user = APP.userWith(Role.ROLE_VIEWER);
        var auth = AuthServiceGrpc.newBlockingStub(user.channel());
        auth.listApiKeys(com.finehero.api.auth.v1.ListApiKeysRequest.getDefaultInstance());
        auth.listApiKeys(com.finehero.api.auth.v1.ListApiKeysRequest.getDefaultInstance());
        failure(Status.Code.RESOURCE_EXHAUSTED, () -> auth.listApiKeys(com.finehero.api.auth.v1.ListApiKeysRequest.getDefaultInstance()));
        assertThat(auth.getMe(GetMeRequest.getDefaultInstance()).getUser().getUserId()).as("other methods still answer").isEqualTo(user.userId());
    }

    private static RetryInfo unpack(com.google.protobuf.Any any) {
        try {
            return any.unpack(RetryInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
