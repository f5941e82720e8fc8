package com.finehero.server.fines;

import com.finehero.server.platform.db.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.common.v1.GeoPoint;
import com.finehero.api.fines.v1.ConfirmPaymentRequest;
import com.finehero.api.fines.v1.ConfirmPaymentResponse;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.DeleteFineRequest;
import com.finehero.api.fines.v1.DeleteFineResponse;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.FineNear;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineAnalyticsRequest;
import com.finehero.api.fines.v1.GetFineAnalyticsResponse;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.GetFineStatsRequest;
import com.finehero.api.fines.v1.GetFineStatsResponse;
import com.finehero.api.fines.v1.ListFinesNearRequest;
import com.finehero.api.fines.v1.ListFinesNearResponse;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.ListFinesResponse;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.PayFineResponse;
import com.finehero.api.fines.v1.Payment;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.paging.KeysetPage;
import com.finehero.server.platform.security.JurisdictionScope;
import com.finehero.server.platform.security.Principal;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.id;
import static com.finehero.server.platform.rpc.Replies.reply;

/**
 * The gRPC face of fines: translates requests into store calls governed by {@link FineRules}.
 * Requests arrive already validated against the contract's rules; failures are thrown and turned into
 * statuses by the error interceptor.
 */
final class FinesGrpcService extends FinesServiceGrpc.FinesServiceImplBase {

    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 100;
    private static final double METERS_PER_DEGREE = 111_320.0;
    /** The most rows GetFineAnalytics answers with; the contract says so. */
    static final int MAX_ANALYTICS_ROWS = 10_000;
    private static final double EARTH_RADIUS_METERS = 6_371_008.8;

    private final FineStore store;
    private final FineRules rules;
    private final CitedDocuments documents;
    private final PaymentProvider payments;

    public FinesGrpcService(FineStore store, FineRules rules, CitedDocuments documents, PaymentProvider payments) {
        this.store = Objects.requireNonNull(store, "store");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.documents = Objects.requireNonNull(documents, "documents");
        this.payments = Objects.requireNonNull(payments, "payments");
    }

    /**
     * This service as it is registered: with the payment signature header handed to
     * {@link #confirmPayment}, which otherwise refuses every confirmation as unsigned.
     */
    public BindableService withSignatureHeader() {
        return () -> ServerInterceptors.intercept(this, new SignatureHeader());
    }

    @Override
    public void createFine(CreateFineRequest request, StreamObserver<Fine> response) {
        Fine fine = rules.newFine(request.getFine());
        requireReachable(fine);
        reply(response, store.create(fine));
    }

    @Override
    public void getFine(GetFineRequest request, StreamObserver<Fine> response) {
        reply(response, visible(id(request.getFineId())));
    }

    @Override
    public void listFines(ListFinesRequest request, StreamObserver<ListFinesResponse> response) {
        int limit = pageSize(request.getPageSize());
        String scope = request.getStatusesList().stream().map(Enum::name).sorted().collect(Collectors.joining(","))
                + "|" + request.getJurisdiction().toUpperCase(Locale.ROOT)
                + "|" + request.getDueAfter() + "|" + request.getDueBefore()
                + "|" + FineRules.normalisePlate(request.getVehiclePlate()) + "|" + request.getOwnerId()
                + "|" + Principal.current().scope();
        FineStore.Cursor after = KeysetPage.after(request.getPageToken(), scope, FineStore.Cursor::new);
        FineStore.FineQuery query = new FineStore.FineQuery(
                request.getStatusesList(),
                request.getJurisdiction().toUpperCase(Locale.ROOT),
                request.hasDueAfter() ? Times.toInstant(request.getDueAfter()) : null,
                request.hasDueBefore() ? Times.toInstant(request.getDueBefore()) : null,
                FineRules.normalisePlate(request.getVehiclePlate()),
                ownOnly() ? Principal.current().subject() : request.getOwnerId(),
                Principal.current().scope(),
                after);
        boolean othersAsked = ownOnly() && !request.getOwnerId().isEmpty() && !request.getOwnerId().equals(Principal.current().subject());
        KeysetPage<Fine> page = KeysetPage.fetch(limit, scope, n -> othersAsked ? List.of() : store.list(query, n),
                fine -> KeysetPage.position(fine.getCreateTime(), fine.getId()));
        reply(response, ListFinesResponse.newBuilder().addAllFines(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    @Override
    public void updateFine(com.finehero.api.fines.v1.UpdateFineRequest request, StreamObserver<Fine> response) {
        String id = id(request.getFine().getId());
        reply(response, store.change(id, current -> requireReachable(rules.update(reachable(current), request.getFine(),
                request.getUpdateMask()))));
    }

    @Override
    public void deleteFine(DeleteFineRequest request, StreamObserver<DeleteFineResponse> response) {
        store.delete(id(request.getFineId()), current -> rules.checkDeletable(reachable(current), request.getVersion()));
        reply(response, DeleteFineResponse.getDefaultInstance());
    }

    @Override
    public void contestFine(ContestFineRequest request, StreamObserver<Fine> response) {
        visible(id(request.getFineId()));
        List<String> cited = request.getCitedDocumentIdsList().stream().map(com.finehero.server.platform.rpc.Replies::id).toList();
        java.util.Set<String> existing = documents.existing(cited);
        List<FineHeroException.FieldViolation> unknown = new ArrayList<>();
        for (int i = 0; i < cited.size(); i++) {
            if (!existing.contains(cited.get(i))) {
                unknown.add(new FineHeroException.FieldViolation("cited_document_ids[" + i + "]",
                        "document " + cited.get(i) + " does not exist or was deleted"));
            }
        }
        if (!unknown.isEmpty()) {
            throw new FineHeroException.InvalidArgument("UNKNOWN_DOCUMENT", unknown.stream()
                    .map(v -> v.field() + ": " + v.description()).collect(Collectors.joining("; ")), unknown);
        }
        reply(response, store.change(id(request.getFineId()), current -> rules.contest(reachable(current), request)));
    }

    @Override
    public void resolveContest(ResolveContestRequest request, StreamObserver<Fine> response) {
        reply(response, store.change(id(request.getFineId()), current -> rules.resolve(reachable(current), request)));
    }

    @Override
    public void payFine(PayFineRequest request, StreamObserver<PayFineResponse> response) {
        PayFineRequest normalised = request.toBuilder().setFineId(id(request.getFineId())).build();
        visible(normalised.getFineId());
        Principal payer = Principal.current();
        boolean recordedByStaff = payer.has(Role.ROLE_ADMIN) || payer.has(Role.ROLE_API_USER);
        FineStore.PaymentResult result = store.pay(normalised.getFineId(), payer.subject(), normalised.getIdempotencyKey(),
                new FineStore.PaymentPolicy() {
                    @Override
                    public void checkReplay(Payment first) {
                        rules.checkReplay(first, normalised);
                    }

                    @Override
                    public Payment payment(Fine current) {
                        return rules.payment(reachable(current), normalised, recordedByStaff);
                    }

                    @Override
                    public Fine paid(Fine current, Payment payment) {
                        return rules.paid(current, payment);
                    }
                });
        reply(response, PayFineResponse.newBuilder()
                .setPayment(result.payment())
                .setFine(result.fine())
                .setReplayed(result.replayed())
                .build());
    }

    @Override
    public void confirmPayment(ConfirmPaymentRequest request, StreamObserver<ConfirmPaymentResponse> response) {
        Instant signedAt = payments.verify(SignatureHeader.current(), request);
        FineStore.ConfirmationResult result = store.confirm(id(request.getPaymentId()),
                new FineStore.Confirmation(request.getConfirmationId(), signedAt, request.getProviderReference()),
                new FineStore.ConfirmationPolicy() {
                    @Override
                    public void check(Payment payment) {
                        rules.checkConfirmation(payment, request.getAmount());
                    }

                    @Override
                    public Payment confirmed(Fine current, Payment pending) {
                        return rules.confirmed(current, pending, request.getProviderReference());
                    }

                    @Override
                    public Fine paid(Fine current, Payment payment) {
                        return rules.paid(current, payment);
                    }
                });
        // the provider learns about its payment only: the fine (owner, plate) is none of its business
        reply(response, ConfirmPaymentResponse.newBuilder()
                .setPayment(result.payment())
                .setReplayed(result.replayed())
                .build());
    }

    @Override
    public void getFineStats(GetFineStatsRequest request, StreamObserver<GetFineStatsResponse> response) {
        List<FineStatsGroup> groups = store.stats(request.getJurisdiction().toUpperCase(Locale.ROOT), Principal.current().scope());
        reply(response, GetFineStatsResponse.newBuilder()
                .addAllGroups(groups)
                .setTotalCount(groups.stream().mapToLong(FineStatsGroup::getCount).sum())
                .build());
    }

    @Override
    public void getFineAnalytics(GetFineAnalyticsRequest request, StreamObserver<GetFineAnalyticsResponse> response) {
        // the contract's rules have checked the range, its length for the bucket and the enums
        FineStore.AnalyticsQuery query = analyticsQuery(request, "jurisdiction", Principal.current().scope());
        List<FineAnalyticsRow> rows = store.analytics(query, MAX_ANALYTICS_ROWS + 1);
        if (rows.size() > MAX_ANALYTICS_ROWS) {
            throw FineHeroException.invalidField("bucket", "the answer would have more than " + MAX_ANALYTICS_ROWS
                    + " rows (buckets x groups x currencies); use a shorter range, longer buckets, a jurisdiction or another group_by");
        }
        reply(response, GetFineAnalyticsResponse.newBuilder().addAllRows(rows).build());
    }

    /** What GetFineAnalytics reads for {@code request}, within {@code scope}; {@code field} names the jurisdiction in errors. */
    static FineStore.AnalyticsQuery analyticsQuery(GetFineAnalyticsRequest request, String field, JurisdictionScope scope) {
        Dialect.Period bucket = switch (request.getBucket()) {
            case ANALYTICS_BUCKET_DAY -> Dialect.Period.DAY;
            case ANALYTICS_BUCKET_WEEK -> Dialect.Period.WEEK;
            case ANALYTICS_BUCKET_MONTH -> Dialect.Period.MONTH;
            case ANALYTICS_BUCKET_UNSPECIFIED, UNRECOGNIZED -> throw FineHeroException.invalidField("bucket", "must be DAY, WEEK or MONTH");
        };
        return new FineStore.AnalyticsQuery(Times.toInstant(request.getStartTime()), Times.toInstant(request.getEndTime()), bucket,
                request.getGroupBy(), JurisdictionScope.of(field, request.getJurisdiction()), scope);
    }

    @Override
    public void listFinesNear(ListFinesNearRequest request, StreamObserver<ListFinesNearResponse> response) {
        GeoPoint center = request.getCenter();
        double radius = request.getRadiusMeters();
        int limit = pageSize(request.getPageSize());
        double latDelta = radius / METERS_PER_DEGREE;
        double cosLat = Math.cos(Math.toRadians(center.getLatitude()));
        double lngDelta = cosLat < 1e-6 ? 180 : Math.min(180, radius / (METERS_PER_DEGREE * cosLat));
        FineStore.GeoBox box = new FineStore.GeoBox(center.getLatitude(), center.getLongitude(),
                center.getLatitude() - latDelta, center.getLatitude() + latDelta,
                center.getLongitude() - lngDelta, center.getLongitude() + lngDelta);
        List<FineNear> near = new ArrayList<>();
        for (Fine fine : store.near(box, request.getStatusesList(), Principal.current().scope(), Math.min(500, limit * 2 + 16))) {
            if (ownOnly() && !fine.getOwnerId().equals(Principal.current().subject())) {
                continue;
            }
            double distance = distanceMeters(center, fine.getLocation().getPoint());
            if (distance <= radius) {
                near.add(FineNear.newBuilder().setFine(fine).setDistanceMeters(distance).build());
            }
        }
        near.sort(Comparator.comparingDouble(FineNear::getDistanceMeters)
                .thenComparing(n -> n.getFine().getId()));
        reply(response, ListFinesNearResponse.newBuilder()
                .addAllFines(near.subList(0, Math.min(limit, near.size())))
                .build());
    }

    /** Great-circle distance (haversine). */
    static double distanceMeters(GeoPoint a, GeoPoint b) {
        double dLat = Math.toRadians(b.getLatitude() - a.getLatitude());
        double dLng = Math.toRadians(b.getLongitude() - a.getLongitude());
        double h = Math.pow(Math.sin(dLat / 2), 2)
                + Math.cos(Math.toRadians(a.getLatitude())) * Math.cos(Math.toRadians(b.getLatitude()))
                * Math.pow(Math.sin(dLng / 2), 2);
        return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
    }

    /**
     * The fine, if the caller may see it; other owners' fines are NOT_FOUND to a viewer, and fines
     * outside the caller's jurisdiction scope to everyone scoped, as if absent. Checked after the read,
     * since a cached fine is shared by every caller.
     */
    private Fine visible(String id) {
        return store.find(id)
                .filter(fine -> FineRules.visibleTo(Principal.current(), fine.getOwnerId(), fine.getJurisdiction()))
                .orElseThrow(() -> FineHeroException.notFound("fine", id));
    }

    /** The locked fine a change starts from, NOT_FOUND (as if absent) outside the caller's jurisdiction scope. */
    private static Fine reachable(Fine current) {
        if (!Principal.current().scope().reaches(current.getJurisdiction())) {
            throw FineHeroException.notFound("fine", current.getId());
        }
        return current;
    }

    /** A fine to write, PERMISSION_DENIED (OUT_OF_SCOPE) when its jurisdiction lies outside the caller's scope. */
    private static Fine requireReachable(Fine fine) {
        if (!Principal.current().scope().reaches(fine.getJurisdiction())) {
            throw Principal.current().scope().outOfScope("fine.jurisdiction", fine.getJurisdiction());
        }
        return fine;
    }

    private static boolean ownOnly() {
        return !Principal.current().seesEveryOwner();
    }

    static int pageSize(int requested) {
        return com.finehero.server.platform.rpc.Replies.pageSize(requested, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    }


}
