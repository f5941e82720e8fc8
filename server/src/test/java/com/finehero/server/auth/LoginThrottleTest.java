package com.finehero.server.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed logins slow the address that fails, for the account it tries, and never lock the account
 * out for anyone else. gRPC calls come from 127.0.0.1; REST calls are sent from other loopback
 * addresses (the whole of 127/8 reaches this host), so one test plays several clients.
 */
class LoginThrottleTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.security.rate-limits.login-free-failures", "5")
            .with("finehero.security.rate-limits.login-backoff", "PT1S")
            .with("finehero.security.rate-limits.login-backoff-max", "PT15M")
            .with("finehero.security.rate-limits.login-failures-per-address", "20");

    private static AuthServiceGrpc.AuthServiceBlockingStub fromLocalhost() {
        return AuthServiceGrpc.newBlockingStub(APP.anonymousChannel());
    }

    private static LoginRequest login(String username, String password) {
        return LoginRequest.newBuilder().setUsername(username).setPassword(password).build();
    }

    /** POST /v1/auth/login from {@code address}. */
    private static HttpResponse<String> restLoginFrom(String address, String username, String password) {
        try {
            HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName(address)).build();
            String body = "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
            return client.send(HttpRequest.newBuilder(APP.uri("/v1/auth/login")).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Duration retryDelay(StatusRuntimeException e) {
        RetryInfo retry = StatusProto.fromThrowable(e).getDetailsList().stream().filter(d -> d.is(RetryInfo.class)).map(d -> {
            try {
                return d.unpack(RetryInfo.class);
            } catch (com.google.protobuf.InvalidProtocolBufferException x) {
                throw new IllegalStateException(x);
            }
        }).findFirst().orElseThrow();
        return Duration.ofSeconds(retry.getRetryDelay().getSeconds(), retry.getRetryDelay().getNanos());
    }

    @Test
    void failuresFromOneAddressSlowThatAddressOnlyWithGrowingWaits() {
        TestSession admin = APP.userWith(Role.ROLE_ADMIN);
        List<Duration> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 11; attempt++) {
            failure(Status.Code.UNAUTHENTICATED, () -> fromLocalhost().login(login(admin.username(), "a wrong guess")));
            if (attempt > 5) {
                StatusRuntimeException throttled = failure(Status.Code.RESOURCE_EXHAUSTED,
                        () -> fromLocalhost().login(login(admin.username(), "another wrong guess")));
                assertThat(reason(throttled)).isEqualTo("LOGIN_THROTTLED");
                waits.add(retryDelay(throttled));
                if (attempt < 11) {
                    APP.clock().advance(waits.getLast());
                }
            }
        }
        assertThat(waits).as("each failure past the free ones doubles the wait").hasSize(6).isSorted()
                .first().isEqualTo(Duration.ofSeconds(1));
        assertThat(waits.getLast()).isEqualTo(Duration.ofSeconds(32));

        HttpResponse<String> elsewhere = restLoginFrom("127.0.0.2", admin.username(), admin.password());
        assertThat(elsewhere.statusCode()).as("the right password from another address: " + elsewhere.body()).isEqualTo(200);

        StatusRuntimeException stillWaiting = failure(Status.Code.RESOURCE_EXHAUSTED,
                () -> fromLocalhost().login(login(admin.username(), admin.password())));
        assertThat(reason(stillWaiting)).isEqualTo("LOGIN_THROTTLED");
        APP.clock().advance(retryDelay(stillWaiting));
        assertThat(fromLocalhost().login(login(admin.username(), admin.password())).getUser().getUserId())
                .as("after the wait the right password works").isEqualTo(admin.userId());
        failure(Status.Code.UNAUTHENTICATED, () -> fromLocalhost().login(login(admin.username(), "wrong once more")));
        assertThat(fromLocalhost().login(login(admin.username(), admin.password())).getUser().getUserId())
                .as("the right password cleared the count").isEqualTo(admin.userId());
    }

    @Test
    void anAddressSprayingManyAccountsIsStoppedAndOthersAreNot() {
        TestSession viewer = APP.userWith(Role.ROLE_VIEWER);
        // 20 failures a minute are allowed; the one past them makes the address wait
        for (int i = 0; i <= 20; i++) {
            assertThat(restLoginFrom("127.0.0.3", "sprayed-" + i, "a wrong guess").statusCode()).isEqualTo(401);
        }
        HttpResponse<String> stopped = restLoginFrom("127.0.0.3", viewer.username(), viewer.password());
        assertThat(stopped.statusCode()).isEqualTo(429);
        assertThat(stopped.headers().firstValue("retry-after")).isPresent();
        assertThat(restLoginFrom("127.0.0.4", viewer.username(), viewer.password()).statusCode()).isEqualTo(200);
        assertThat(fromLocalhost().login(login(viewer.username(), viewer.password())).getUser().getUserId()).isEqualTo(viewer.userId());
        APP.clock().advance(Duration.ofMinutes(1));
        assertThat(restLoginFrom("127.0.0.3", viewer.username(), viewer.password()).statusCode()).as("refilled").isEqualTo(200);
    }
}
