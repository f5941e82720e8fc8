package com.finehero.server.fines;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.server.platform.security.JurisdictionScope;

/** A {@link FineStore} written for measuring its cache-miss read and ListFines only; the rest refuses. */
abstract class FindAndListOnly implements FineStore {

    @Override
    public Fine create(Fine fine) {
        throw notPorted();
    }

    @Override
    public boolean[] createAbsent(List<Fine> fines) {
        throw notPorted();
    }

    @Override
    public Fine change(String id, UnaryOperator<Fine> change) {
        throw notPorted();
    }

    @Override
    public void delete(String id, Consumer<Fine> check) {
        throw notPorted();
    }

    @Override
    public PaymentResult pay(String fineId, String payerId, String idempotencyKey, PaymentPolicy policy) {
        throw notPorted();
    }

    @Override
    public ConfirmationResult confirm(String paymentId, Confirmation confirmation, ConfirmationPolicy policy) {
        throw notPorted();
    }

    @Override
    public List<FineStatsGroup> stats(String jurisdiction, JurisdictionScope scope) {
        throw notPorted();
    }

    @Override
    public List<com.finehero.api.fines.v1.FineAnalyticsRow> analytics(AnalyticsQuery query, int limit) {
        throw notPorted();
    }

    @Override
    public List<com.finehero.api.fines.v1.FineAnalyticsRow> analyticsFromFines(AnalyticsQuery query, int limit) {
        throw notPorted();
    }

    @Override
    public int refreshAnalytics(int maxPasses) {
        throw notPorted();
    }

    @Override
    public List<Fine> near(GeoBox box, List<FineStatus> statuses, JurisdictionScope scope, int limit) {
        throw notPorted();
    }

    @Override
    public List<String> markOverdue(Instant now, int limit) {
        throw notPorted();
    }

    /** The ports measure the unscoped reads only; a scoped query would be answered wrongly. */
    static void requireUnscoped(FineQuery query) {
        if (!query.scope().equals(JurisdictionScope.NONE)) {
            throw new UnsupportedOperationException("only unscoped lists are ported: " + query.scope());
        }
    }

    private static UnsupportedOperationException notPorted() {
        return new UnsupportedOperationException("only find and list are ported");
    }
}
