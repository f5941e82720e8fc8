package com.finehero.server.platform;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.monitoring.v1.CacheStats;
import com.finehero.api.monitoring.v1.GetCacheStatsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Cache counters are exact, visible through GetCacheStats and in Prometheus. */
class CacheStatsTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void manyConcurrentMissesMakeOneLoadAndTheCountersSaySo() throws Exception {
        Instant now = APP.clock().instant();
        Fine fine = FinesServiceGrpc.newBlockingStub(APP.channel()).createFine(CreateFineRequest.newBuilder()
                .setFine(Fine.newBuilder().setCitationNumber("CS-1").setJurisdiction("CS").setViolationCode("P")
                        .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(100))
                        .setIssueTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                        .setDueTime(Timestamp.newBuilder().setSeconds(now.plusSeconds(86400).getEpochSecond())))
                .build());
        // a second instance on the same database: its in-process cache has never seen the fine
        try (FineHeroApp sibling = APP.startSibling();
             FineHeroClient client = APP.clientFor(sibling)) {
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                readers.add(Thread.ofVirtual().start(() -> assertThat(client.fines()
                        .getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build())).isEqualTo(fine)));
            }
            for (Thread reader : readers) {
                reader.join();
            }
            CacheStats fines = MonitoringServiceGrpc.newBlockingStub(client.channel())
                    .getCacheStats(GetCacheStatsRequest.getDefaultInstance()).getCachesList().stream()
                    .filter(c -> c.getName().equals("fines")).findFirst().orElseThrow();
            assertThat(fines.getLoads()).isEqualTo(1);
            assertThat(fines.getHits() + fines.getMisses()).isEqualTo(32);
            assertThat(fines.getHitRate()).isEqualTo((double) fines.getHits() / 32);
        }
    }

    @Test
    void backendAndPrometheusCounters() {
        var stats = MonitoringServiceGrpc.newBlockingStub(APP.channel()).getCacheStats(GetCacheStatsRequest.getDefaultInstance());
        assertThat(stats.getBackend()).isEqualTo("in-process");
        assertThat(stats.getCachesList()).extracting(CacheStats::getName)
                .contains("fines", "documents", "search", "document-lists");
        assertThat(APP.get("/observe/metrics").body()).contains("finehero_cache_hits").contains("cache=\"fines\"");
    }
}
