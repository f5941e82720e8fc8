package com.finehero.server.platform;

import java.time.Duration;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis configured but unreachable (a port nothing listens on): FineHero starts anyway, serves from
 * the database with no client error, and says DEGRADED, not down.
 */
class RedisDownTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.redis.address", "redis://127.0.0.1:1")
            .with("finehero.redis.timeout", "PT0.2S");

    @Test
    void startsDegradedAndStillServes() {
        HealthMonitor.Snapshot health = APP.app().health().checkNow();
        assertThat(health.status()).isEqualTo(HealthMonitor.Status.DEGRADED);
        assertThat(health.components()).filteredOn(c -> c.name().equals("cache"))
                .singleElement().satisfies(c -> assertThat(c.status()).isEqualTo(HealthMonitor.Status.DEGRADED));
        assertThat(APP.get("/observe/health/ready").statusCode()).isEqualTo(200);
        assertThat(APP.get("/observe/health/ready").body()).contains("DEGRADED");
        assertThat(HealthGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(5))
                .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);

        FinesServiceGrpc.FinesServiceBlockingStub fines = FinesServiceGrpc.newBlockingStub(APP.channel())
                .withDeadlineAfter(Duration.ofSeconds(10));
        Fine created = Fixtures.fine(APP, APP.channel(), "RD-1", "RD");
        assertThat(fines.getFine(GetFineRequest.newBuilder().setFineId(created.getId()).build())).isEqualTo(created);
    }
}
