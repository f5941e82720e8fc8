package com.finehero.server.platform;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.GetMetricsResponse;
import com.finehero.api.monitoring.v1.ReadRoute;
import com.finehero.api.monitoring.v1.ReplicaStats;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.OwnPostgres;
import com.google.protobuf.FieldMask;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * FineHero on a PostgreSQL primary of the test's own with one streaming replica ({@code pg_basebackup -R}):
 * lists go to the replica; a caller holding the consistency token of its write reads that write even while
 * the replica's replay is paused, while a caller without it is answered by the replica, old value and all;
 * a replica that lags past {@code finehero.db.replica.max-lag} or is stopped is skipped and reads still
 * succeed.
 */
@Tag("scaleout")
class ReadReplicasTest {

    private static final Duration MAX_LAG = Duration.ofSeconds(5);
    static final OwnPostgres PRIMARY = OwnPostgres.start();
    static final OwnPostgres REPLICA = PRIMARY.replica();

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS)
            .with("finehero.db.url", PRIMARY.jdbcUrl())
            .with("finehero.db.user", PRIMARY.user())
            .with("finehero.db.replicas", REPLICA.jdbcUrl())
            .with("finehero.db.replica.max-lag", MAX_LAG.toString())
            .with("finehero.db.replica.probe-interval", "PT0.1S");

    @AfterAll
    static void stopDatabases() {
        REPLICA.close();
        PRIMARY.close();
    }

    @AfterEach
    void replicaRunsAndReplays() throws SQLException {
        if (REPLICA.pid() < 0) {
            REPLICA.startServer();
        }
        try (Connection replica = REPLICA.connect(); Statement statement = replica.createStatement()) {
            statement.execute("SELECT pg_wal_replay_resume()");
        }
        awaitUsable(true, "");
    }

    @Test
    void listsAreServedByTheReplicaAndTheTokenHoldsACallerToItsWrites() throws Exception {
        awaitUsable(true, "");
        Fine fine = Fixtures.fine(APP, APP.channel(), "RR-1", "RR");
        try (FineHeroClient writer = APP.clientFor(APP.app()); FineHeroClient other = APP.clientFor(APP.app())) {
            // both log in (a write, which hands each its token) and see the fine before the replica is paused
            await().atMost(Duration.ofSeconds(20)).until(() -> amounts(other).containsKey(fine.getId())
                    && amounts(writer).containsKey(fine.getId()));
            awaitReplicaCaughtUp();
            long servedBefore = replicaReads();
            assertThat(amounts(other)).containsEntry(fine.getId(), 1000L);
            assertThat(replicaReads()).as("reads the replica served").isGreaterThan(servedBefore);

            pauseReplay();
            Fine updated = writer.fines().updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion())
                            .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(4242)))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("amount")).build());
            assertThat(writer.consistencyToken()).as("the writer's token").isPresent();

            long behindBefore = route("behind-token");
            assertThat(amounts(writer)).as("the writer's list, with its token").containsEntry(fine.getId(), 4242L);
            assertThat(route("behind-token")).as("reads the primary answered for the token").isGreaterThan(behindBefore);
            assertThat(amounts(other)).as("another caller's list, served by the paused replica").containsEntry(fine.getId(), 1000L);

            // REST carries the token as a header both ways
            String token = writer.consistencyToken().orElseThrow();
            HttpResponse<String> withToken = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines?jurisdiction=RR"))
                    .header("x-finehero-consistency", token).GET().build());
            assertThat(withToken.statusCode()).isEqualTo(200);
            assertThat(withToken.body()).contains("4242");
            HttpResponse<String> restWrite = APP.send(HttpRequest.newBuilder(APP.uri("/v1/fines/" + fine.getId() + "?updateMask=amount"))
                    .header("content-type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"version\": \"" + updated.getVersion()
                            + "\", \"amount\": {\"currencyCode\": \"EUR\", \"amountMinor\": \"4343\"}}")).build());
            assertThat(restWrite.statusCode()).as(restWrite.body()).isEqualTo(200);
            assertThat(restWrite.headers().firstValue("x-finehero-consistency")).as("the token of a REST write").isPresent();

            // the paused replica falls behind as the primary moves on, and is skipped past the bound
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(replica().getSkippedBecause()).isEqualTo("lagging"));
            assertThat(replica().getLagMs()).isGreaterThan(MAX_LAG.toMillis());
            assertThat(amounts(other)).as("another caller's list once the replica is skipped").containsEntry(fine.getId(), 4343L);
        }
    }

    @Test
    void aStoppedReplicaIsSkippedAndReadsStillSucceed() {
        awaitUsable(true, "");
        Fine fine = Fixtures.fine(APP, APP.channel(), "RR-2", "RR");
        REPLICA.stop();
        try (FineHeroClient other = APP.clientFor(APP.app())) {
            for (int i = 0; i < 20; i++) {
                assertThat(amounts(other)).containsKey(fine.getId());
            }
        }
        awaitUsable(false, "down");
    }

    @Test
    void aTokenThatIsNoWalPositionIsRefused() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-finehero-consistency", Metadata.ASCII_STRING_MARSHALLER), "yesterday");
        assertThatThrownBy(() -> FinesServiceGrpc.newBlockingStub(APP.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .listFines(ListFinesRequest.newBuilder().setJurisdiction("RR").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("x-finehero-consistency", "'yesterday'");
                });
    }

    private static Map<String, Long> amounts(FineHeroClient client) {
        return client.fines().listFines(ListFinesRequest.newBuilder().setJurisdiction("RR").setPageSize(100).build())
                .getFinesList().stream().collect(Collectors.toMap(Fine::getId, f -> f.getAmount().getAmountMinor()));
    }

    private static GetMetricsResponse metrics() {
        return APP.client().monitoring().getMetrics(GetMetricsRequest.getDefaultInstance());
    }

    private static ReplicaStats replica() {
        return metrics().getReplicas(0);
    }

    private static long replicaReads() {
        return replica().getReads();
    }

    private static long route(String name) {
        return metrics().getReadRoutesList().stream().filter(r -> r.getRoute().equals(name)).mapToLong(ReadRoute::getReads).sum();
    }

    private static void awaitUsable(boolean usable, String because) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ReplicaStats replica = replica();
            assertThat(replica.getUsable()).as("usable: %s", replica).isEqualTo(usable);
            assertThat(replica.getSkippedBecause()).isEqualTo(because);
        });
    }

    private static void awaitReplicaCaughtUp() throws SQLException {
        String primaryLsn;
        try (Connection primary = PRIMARY.connect(); Statement statement = primary.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            row.next();
            primaryLsn = row.getString(1);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (Connection replica = REPLICA.connect(); Statement statement = replica.createStatement();
                 ResultSet row = statement.executeQuery("SELECT pg_last_wal_replay_lsn() >= '" + primaryLsn + "'::pg_lsn")) {
                row.next();
                return row.getBoolean(1);
            }
        });
    }

    private static void pauseReplay() throws SQLException {
        try (Connection replica = REPLICA.connect(); Statement statement = replica.createStatement()) {
            statement.execute("SELECT pg_wal_replay_pause()");
        }
    }
}
