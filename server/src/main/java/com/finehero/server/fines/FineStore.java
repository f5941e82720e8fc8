package com.finehero.server.fines;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Payment;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.security.JurisdictionScope;

/**
 * Where fines live. Every method is one transaction; a method that throws has changed nothing.
 * Implemented by {@link JdbcFineStore} (H2 and PostgreSQL) and decorated by {@link CachedFineStore}.
 */
public interface FineStore {

    /** Inserts a new fine. ALREADY_EXISTS when its citation number is taken in its jurisdiction. */
    Fine create(Fine fine);

    /**
     * Inserts new fines in one transaction, skipping any whose citation number is already taken in
     * its jurisdiction (so an import run twice creates nothing the second time). Returns, per fine,
     * whether it was inserted.
     */
    boolean[] createAbsent(List<Fine> fines);

    Optional<Fine> find(String id);

    /**
     * Locks the fine, applies {@code change} to its current state and writes the result.
     * NOT_FOUND for an unknown id; whatever {@code change} throws aborts the transaction.
     */
    Fine change(String id, UnaryOperator<Fine> change);

    /** Locks the fine, lets {@code check} veto, deletes it. NOT_FOUND for an unknown id. */
    void delete(String id, Consumer<Fine> check);

    /**
     * Records a payment at most once per payer and idempotency key (another payer's key is another key).
     * A confirmed payment makes the fine paid in the same transaction; a pending one leaves it as it is.
     */
    PaymentResult pay(String fineId, String payerId, String idempotencyKey, PaymentPolicy policy);

    /**
     * Applies a provider's confirmation to a payment. Each (confirmation id, signing time) is accepted
     * once: the same pair again is a replay and UNAUTHENTICATED, changing nothing. A payment that is no
     * longer pending is returned as it is ({@code replayed}). NOT_FOUND for an unknown payment.
     */
    ConfirmationResult confirm(String paymentId, Confirmation confirmation, ConfirmationPolicy policy);

    /** One page of fines, newest first. */
    List<Fine> list(FineQuery query, int limit);

    /** Counts and sums of the fines of {@code jurisdiction} (empty: all) that {@code scope} reaches. */
    List<FineStatsGroup> stats(String jurisdiction, JurisdictionScope scope);

    /**
     * Issue, payment and contest figures of the fines issued in {@code query}'s range that its scopes
     * reach, per bucket, group and currency, in that order; at most {@code limit} rows.
     */
    List<FineAnalyticsRow> analytics(AnalyticsQuery query, int limit);

    /**
     * The same figures computed by one statement over the fines alone, never from the daily rollup:
     * what {@link #analytics} must equal (groups here are in the database's collation order), for
     * checks and benchmarks.
     */
    List<FineAnalyticsRow> analyticsFromFines(AnalyticsQuery query, int limit);

    /**
     * Rewrites the analytics rollup of the days whose fines changed since it was last written, until
     * none is left or {@code maxPasses} batches ran; returns how many days were rewritten.
     */
    int refreshAnalytics(int maxPasses);

    /** Fines that {@code scope} reaches with a position inside the box, roughly nearest to {@code center} first. */
    List<Fine> near(GeoBox box, List<FineStatus> statuses, JurisdictionScope scope, int limit);

    /** Marks up to {@code limit} OPEN or UPHELD fines due before {@code now} as OVERDUE; returns their ids. */
    List<String> markOverdue(Instant now, int limit);

    /** How a payment is checked and applied; the store calls it inside its transaction. */
    interface PaymentPolicy {
        /** Called when the key was used before; throws if this request differs from the first. */
        void checkReplay(Payment first);

        /** Checks the locked fine and returns the payment to record, pending or confirmed. */
        Payment payment(Fine current);

        /** The fine after a confirmed payment. */
        Fine paid(Fine current, Payment payment);
    }

    record PaymentResult(Payment payment, Fine fine, boolean replayed) { }

    /** A verified confirmation: the provider's id for it, when it was signed, the provider's reference. */
    record Confirmation(String confirmationId, Instant signedAt, String providerReference) { }

    /** How a confirmation is checked and applied; the store calls it inside its transaction. */
    interface ConfirmationPolicy {
        /** Throws if the confirmation does not fit the payment (another amount). */
        void check(Payment payment);

        /** The pending payment once confirmed, given its locked fine: CONFIRMED, or UNAPPLIED when the fine is settled. */
        Payment confirmed(Fine current, Payment pending);

        /** The fine after a confirmed payment. */
        Fine paid(Fine current, Payment payment);
    }

    /** The payment after a confirmation and its fine; {@code replayed} when it had been confirmed before. */
    record ConfirmationResult(Payment payment, Fine fine, boolean replayed) { }

    /** Filters and position of a ListFines page; only fines that {@code scope} reaches. */
    record FineQuery(List<FineStatus> statuses, String jurisdiction, Instant dueAfter, Instant dueBefore,
                     String vehiclePlate, String ownerId, JurisdictionScope scope, Cursor after) {
        public FineQuery {
            statuses = List.copyOf(statuses);
            java.util.Objects.requireNonNull(scope, "scope");
        }
    }

    /**
     * What GetFineAnalytics counts: fines issued in [{@code start}, {@code end}) within both
     * {@code jurisdiction} (the requested one and those below it) and the caller's {@code scope}.
     */
    record AnalyticsQuery(Instant start, Instant end, Dialect.Period bucket, AnalyticsGroupBy groupBy,
                          JurisdictionScope jurisdiction, JurisdictionScope scope) {
        public AnalyticsQuery {
            java.util.Objects.requireNonNull(jurisdiction, "jurisdiction");
            java.util.Objects.requireNonNull(scope, "scope");
        }
    }

    /** The last fine of the previous page in ListFines order. */
    record Cursor(Instant createTime, String id) { }

    /** A latitude/longitude box around a centre; longitudes are not wrapped. */
    record GeoBox(double centerLatitude, double centerLongitude,
                  double minLatitude, double maxLatitude, double minLongitude, double maxLongitude) { }
}
