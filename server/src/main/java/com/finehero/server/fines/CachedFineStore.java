package com.finehero.server.fines;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.server.platform.cache.CacheRegion;
import com.finehero.server.platform.cache.ProtoRecords;
import com.finehero.server.platform.security.JurisdictionScope;

/**
 * Serves single fines from the {@code fines} cache region and keeps it right: every write stores the
 * committed fine with its version (older values never overwrite it), a delete leaves a tombstone.
 * Lists and statistics always come from the database, filtered there; a cached fine is shared by
 * every caller, so whoever reads it checks owner and jurisdiction scope after the hit.
 */
final class CachedFineStore implements FineStore {

    private final FineStore store;
    private final CacheRegion cache;
    private final ProtoRecords<Fine> records;

    public CachedFineStore(FineStore store, CacheRegion cache) {
        this.store = Objects.requireNonNull(store, "store");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.records = new ProtoRecords<>(cache, Fine.parser(), Fine::getVersion);
    }

    @Override
    public Fine create(Fine fine) {
        return remember(store.create(fine));
    }

    @Override
    public boolean[] createAbsent(List<Fine> fines) {
        return store.createAbsent(fines); // new rows: nothing cached to invalidate
    }

    @Override
    public Optional<Fine> find(String id) {
        return records.find(id, () -> store.find(id));
    }

    @Override
    public Fine change(String id, UnaryOperator<Fine> change) {
        return remember(store.change(id, change));
    }

    @Override
    public void delete(String id, Consumer<Fine> check) {
        store.delete(id, check);
        cache.markDeleted(id);
    }

    @Override
    public PaymentResult pay(String fineId, String payerId, String idempotencyKey, PaymentPolicy policy) {
        PaymentResult result = store.pay(fineId, payerId, idempotencyKey, policy);
        remember(result.fine());
        return result;
    }

    @Override
    public ConfirmationResult confirm(String paymentId, Confirmation confirmation, ConfirmationPolicy policy) {
        ConfirmationResult result = store.confirm(paymentId, confirmation, policy);
        remember(result.fine());
        return result;
    }

    @Override
    public List<Fine> list(FineQuery query, int limit) {
        return store.list(query, limit);
    }

    @Override
    public List<FineStatsGroup> stats(String jurisdiction, JurisdictionScope scope) {
        return store.stats(jurisdiction, scope);
    }

    @Override
    public List<FineAnalyticsRow> analytics(AnalyticsQuery query, int limit) {
        return store.analytics(query, limit);
    }

    @Override
    public List<FineAnalyticsRow> analyticsFromFines(AnalyticsQuery query, int limit) {
        return store.analyticsFromFines(query, limit);
    }

    @Override
    public int refreshAnalytics(int maxPasses) {
        return store.refreshAnalytics(maxPasses);
    }

    @Override
    public List<Fine> near(GeoBox box, List<FineStatus> statuses, JurisdictionScope scope, int limit) {
        return store.near(box, statuses, scope, limit);
    }

    @Override
    public List<String> markOverdue(Instant now, int limit) {
        List<String> ids = store.markOverdue(now, limit);
        ids.forEach(cache::invalidate);
        return ids;
    }

    private Fine remember(Fine fine) {
        return records.remember(fine.getId(), fine);
    }
}
