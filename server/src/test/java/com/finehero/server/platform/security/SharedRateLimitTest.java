package com.finehero.server.platform.security;

import java.time.Duration;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.GrpcErrors.failure;
import static org.awaitility.Awaitility.await;

/** With Redis, two instances draw from one bucket per caller. */
class SharedRateLimitTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.security.rate-limits.per-identity", "40");

    @Test
    void callsOnTwoInstancesCountAgainstOneLimit() throws Exception {
        TestSession user = APP.userWith(Role.ROLE_ANALYST);
        try (FineHeroApp sibling = APP.startSibling();
             FineHeroClient there = FineHeroClient.builder().target("127.0.0.1", sibling.port())
                     .credentials(com.finehero.client.Credentials.accessToken(user.accessToken())).build()) {
            var here = AuthServiceGrpc.newBlockingStub(user.channel());
            var other = AuthServiceGrpc.newBlockingStub(there.channel());
            // 30 calls here and 10 there use up the 40. This instance settles with Redis in the background;
            // once Redis holds its 30, the sibling's first call reads the bucket and it allows 10 more.
            // The application clock stands still, so nothing refills.
            for (int i = 0; i < 30; i++) {
                here.getMe(GetMeRequest.getDefaultInstance());
            }
            try (RedisConnector redis = new RedisConnector(RedisConfig.from(APP.config().get("finehero.redis")), APP.clock())) {
                redis.connectNow();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> RedisBuckets.available(redis, APP.clock(), "id:" + user.userId(), 40) <= 10);
            }
            for (int i = 0; i < 10; i++) {
                other.getMe(GetMeRequest.getDefaultInstance());
            }
            failure(Status.Code.RESOURCE_EXHAUSTED, () -> other.getMe(GetMeRequest.getDefaultInstance()));
        }
    }
}
