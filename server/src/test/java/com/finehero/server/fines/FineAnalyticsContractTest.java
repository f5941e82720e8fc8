package com.finehero.server.fines;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.api.auth.v1.CreateUserRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.auth.v1.User;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.AnalyticsBucket;
import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineAnalyticsMeasure;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineAnalyticsRequest;
import com.finehero.api.fines.v1.GetFineAnalyticsResponse;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.server.platform.db.Times;
import com.finehero.server.testing.FineHeroExtension;
import com.google.protobuf.Timestamp;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * GetFineAnalytics against six fines with known outcomes on both sides of a month boundary, in three
 * jurisdictions of a fresh hierarchy (so other tests' fines never count) and two currencies:
 * <pre>
 *   f1 SF     P1 10.00 EUR  boundary-2h  paid
 *   f2 SF     P1 20.00 EUR  boundary-1h  open
 *   f3 SF-DT  P2 30.00 EUR  boundary+1h  contested, dismissed
 *   f4 SF     P2 40.00 EUR  boundary+2h  contested, upheld, paid
 *   f5 LA     P1 50.00 EUR  boundary+3h  paid
 *   f6 LA     P1  7.00 USD  boundary+4h  contested, awaiting a ruling
 * </pre>
 * Payments are confirmed at the test clock's "now", so days to payment are known exactly. One subclass per backend.
 */
abstract class FineAnalyticsContractTest {

    abstract FineHeroExtension app();

    String base;
    String sf;
    String downtown;
    String la;
    /** The first instant of a month, at least 40 days ago. */
    Instant boundary;
    Instant paidAt;
    Fine f1;
    Fine f2;
    Fine f3;
    Fine f4;
    Fine f5;
    Fine f6;

    FinesServiceGrpc.FinesServiceBlockingStub admin() {
        return FinesServiceGrpc.newBlockingStub(app().channel()).withDeadlineAfter(Duration.ofSeconds(20));
    }

    @BeforeEach
    void finesWithKnownOutcomes() {
        base = "AN" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-CA";
        sf = base + "-SF";
        downtown = sf + "-DT";
        la = base + "-LA";
        // whole seconds, so that the payments' times (the clock's) and the issue times differ by exact days and hours
        app().clock().set(app().clock().instant().truncatedTo(ChronoUnit.SECONDS));
        paidAt = app().clock().instant();
        boundary = ZonedDateTime.ofInstant(paidAt.minus(Duration.ofDays(40)), ZoneOffset.UTC)
                .withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).toInstant();

        f1 = pay(fine(sf, "P1", 1000, "EUR", -2));
        f2 = fine(sf, "P1", 2000, "EUR", -1);
        f3 = resolve(contest(fine(downtown, "P2", 3000, "EUR", 1)), ContestOutcome.CONTEST_OUTCOME_DISMISSED);
        f4 = pay(resolve(contest(fine(sf, "P2", 4000, "EUR", 2)), ContestOutcome.CONTEST_OUTCOME_UPHELD));
        f5 = pay(fine(la, "P1", 5000, "EUR", 3));
        f6 = contest(fine(la, "P1", 700, "USD", 4));
    }

    Fine fine(String jurisdiction, String code, long amountMinor, String currency, int hoursFromBoundary) {
        Instant issued = boundary.plus(Duration.ofHours(hoursFromBoundary));
        return admin().createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                .setCitationNumber("AN-" + UUID.randomUUID().toString().substring(0, 8)).setJurisdiction(jurisdiction)
                .setViolationCode(code).setAmount(Money.newBuilder().setCurrencyCode(currency).setAmountMinor(amountMinor))
                .setIssueTime(Times.toProto(issued)).setDueTime(Times.toProto(issued.plus(Duration.ofDays(120))))).build());
    }

    Fine pay(Fine fine) {
        return admin().payFine(PayFineRequest.newBuilder().setFineId(fine.getId())
                .setIdempotencyKey("an-" + UUID.randomUUID()).setAmount(fine.getAmount()).build()).getFine();
    }

    Fine contest(Fine fine) {
        return admin().contestFine(ContestFineRequest.newBuilder().setFineId(fine.getId())
                .setReason("the sign was covered by a tree").build());
    }

    Fine resolve(Fine fine, ContestOutcome outcome) {
        return admin().resolveContest(ResolveContestRequest.newBuilder().setFineId(fine.getId()).setOutcome(outcome)
                .setNote("ruled").build());
    }

    /** Whole days from issue to payment, as analytics counts them. */
    double daysToPayment(Fine fine) {
        return Math.floorDiv(Duration.between(Times.toInstant(fine.getIssueTime()), paidAt).getSeconds(), 86400);
    }

    GetFineAnalyticsRequest.Builder request(AnalyticsBucket bucket) {
        return GetFineAnalyticsRequest.newBuilder()
                .setStartTime(Times.toProto(boundary.minus(Duration.ofDays(20))))
                .setEndTime(Times.toProto(boundary.plus(Duration.ofDays(20))))
                .setBucket(bucket)
                .setJurisdiction(base.toLowerCase());
    }

    static Timestamp at(Instant instant) {
        return Times.toProto(instant);
    }

    Instant monthBefore() {
        return ZonedDateTime.ofInstant(boundary, ZoneOffset.UTC).minusMonths(1).toInstant();
    }

    static void measure(FineAnalyticsMeasure measure, long count, long amountMinor) {
        assertThat(measure.getCount()).isEqualTo(count);
        assertThat(measure.getAmount().getAmountMinor()).isEqualTo(amountMinor);
    }

    @Test
    void countsAmountsAndRatesPerMonthAcrossTheBoundary() {
        List<FineAnalyticsRow> rows = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).build()).getRowsList();

        assertThat(rows).extracting(FineAnalyticsRow::getBucketStart, FineAnalyticsRow::getGroup, FineAnalyticsRow::getCurrencyCode)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(at(monthBefore()), "", "EUR"),
                        org.assertj.core.groups.Tuple.tuple(at(boundary), "", "EUR"),
                        org.assertj.core.groups.Tuple.tuple(at(boundary), "", "USD"));

        FineAnalyticsRow before = rows.get(0);
        measure(before.getIssued(), 2, 3000);
        measure(before.getPaid(), 1, 1000);
        measure(before.getOutstanding(), 1, 2000);
        measure(before.getContested(), 0, 0);
        measure(before.getDismissed(), 0, 0);
        measure(before.getUpheld(), 0, 0);
        assertThat(before.getIssued().getAmount().getCurrencyCode()).isEqualTo("EUR");
        assertThat(before.getCollectionRate()).isCloseTo(1000.0 / 3000, within(1e-9));
        assertThat(before.getMedianDaysToPayment()).isCloseTo(daysToPayment(f1), within(1e-6));
        assertThat(before.hasContestSuccessRate()).as("no contest was ruled on").isFalse();

        FineAnalyticsRow after = rows.get(1);
        measure(after.getIssued(), 3, 12000);
        measure(after.getPaid(), 2, 9000);
        measure(after.getOutstanding(), 0, 0);
        measure(after.getContested(), 2, 7000);
        measure(after.getDismissed(), 1, 3000);
        measure(after.getUpheld(), 1, 4000);
        assertThat(after.getCollectionRate()).as("all that is still owed is paid").isCloseTo(1.0, within(1e-9));
        assertThat(after.getMedianDaysToPayment()).isCloseTo((daysToPayment(f4) + daysToPayment(f5)) / 2, within(1e-6));
        assertThat(after.getContestSuccessRate()).isCloseTo(0.5, within(1e-9));

        FineAnalyticsRow dollars = rows.get(2);
        measure(dollars.getIssued(), 1, 700);
        measure(dollars.getPaid(), 0, 0);
        measure(dollars.getOutstanding(), 1, 700);
        measure(dollars.getContested(), 1, 700);
        assertThat(dollars.getIssued().getAmount().getCurrencyCode()).isEqualTo("USD");
        assertThat(dollars.getCollectionRate()).isZero();
        assertThat(dollars.hasMedianDaysToPayment()).isFalse();
        assertThat(dollars.hasContestSuccessRate()).as("the contest awaits its ruling").isFalse();
    }

    @Test
    void daysSplitAtUtcMidnightAndTheRangeIsHalfOpen() {
        List<FineAnalyticsRow> rows = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_DAY)
                .setStartTime(at(boundary.minus(Duration.ofHours(1)))) // leaves f1 out
                .setEndTime(at(boundary.plus(Duration.ofHours(4)))) // leaves f6 out
                .build()).getRowsList();

        assertThat(rows).extracting(FineAnalyticsRow::getBucketStart, FineAnalyticsRow::getCurrencyCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple(at(boundary.minus(Duration.ofDays(1))), "EUR"),
                org.assertj.core.groups.Tuple.tuple(at(boundary), "EUR"));
        measure(rows.get(0).getIssued(), 1, 2000);
        measure(rows.get(1).getIssued(), 3, 12000);
    }

    @Test
    void weeksStartOnMonday() {
        List<FineAnalyticsRow> rows = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_WEEK).build()).getRowsList();
        Instant monday = ZonedDateTime.ofInstant(boundary, ZoneOffset.UTC)
                .with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY)).toInstant();
        Instant mondayBefore = ZonedDateTime.ofInstant(boundary.minus(Duration.ofHours(2)), ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS)
                .with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY)).toInstant();
        long euros = rows.stream().filter(row -> row.getCurrencyCode().equals("EUR")).mapToLong(row -> row.getIssued().getCount()).sum();
        assertThat(euros).isEqualTo(5);
        assertThat(rows).extracting(FineAnalyticsRow::getBucketStart).containsOnly(at(monday), at(mondayBefore));
        assertThat(rows).filteredOn(row -> row.getBucketStart().equals(at(monday)) && row.getCurrencyCode().equals("EUR"))
                .singleElement().satisfies(row -> measure(row.getIssued(), monday.equals(mondayBefore) ? 5 : 3,
                        monday.equals(mondayBefore) ? 15000 : 12000));
    }

    @Test
    void groupsByJurisdictionViolationCodeAndStatus() {
        List<FineAnalyticsRow> byJurisdiction = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH)
                .setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_JURISDICTION).build()).getRowsList();
        assertThat(byJurisdiction).extracting(FineAnalyticsRow::getBucketStart, FineAnalyticsRow::getGroup,
                FineAnalyticsRow::getCurrencyCode, row -> row.getIssued().getCount()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(at(monthBefore()), sf, "EUR", 2L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), la, "EUR", 1L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), la, "USD", 1L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), sf, "EUR", 1L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), downtown, "EUR", 1L));

        List<FineAnalyticsRow> byCode = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH)
                .setStartTime(at(boundary)).setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_VIOLATION_CODE).build()).getRowsList();
        assertThat(byCode).extracting(FineAnalyticsRow::getGroup, FineAnalyticsRow::getCurrencyCode,
                row -> row.getIssued().getCount(), row -> row.getDismissed().getCount()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("P1", "EUR", 1L, 0L),
                org.assertj.core.groups.Tuple.tuple("P1", "USD", 1L, 0L),
                org.assertj.core.groups.Tuple.tuple("P2", "EUR", 2L, 1L));
        assertThat(byCode.get(2).getContestSuccessRate()).isCloseTo(0.5, within(1e-9));

        List<FineAnalyticsRow> byStatus = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH)
                .setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_STATUS).build()).getRowsList();
        assertThat(byStatus).extracting(FineAnalyticsRow::getBucketStart, FineAnalyticsRow::getGroup,
                FineAnalyticsRow::getCurrencyCode, row -> row.getIssued().getAmount().getAmountMinor()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(at(monthBefore()), "FINE_STATUS_OPEN", "EUR", 2000L),
                org.assertj.core.groups.Tuple.tuple(at(monthBefore()), "FINE_STATUS_PAID", "EUR", 1000L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), "FINE_STATUS_CONTESTED", "USD", 700L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), "FINE_STATUS_DISMISSED", "EUR", 3000L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), "FINE_STATUS_PAID", "EUR", 9000L));
    }

    @Test
    void aScopedAnalystCountsOnlyTheFinesOfItsScope() {
        Channel scoped = withKey(keyOf(scopedUser(sf, Role.ROLE_ANALYST), ""));
        FinesServiceGrpc.FinesServiceBlockingStub fines = FinesServiceGrpc.newBlockingStub(scoped).withDeadlineAfter(Duration.ofSeconds(20));

        List<FineAnalyticsRow> rows = fines.getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).build()).getRowsList();
        assertThat(rows).extracting(FineAnalyticsRow::getBucketStart, row -> row.getIssued().getCount(),
                row -> row.getIssued().getAmount().getAmountMinor()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(at(monthBefore()), 2L, 3000L),
                org.assertj.core.groups.Tuple.tuple(at(boundary), 2L, 7000L));
        assertThat(fines.getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setJurisdiction(la).build()).getRowsList())
                .as("a jurisdiction outside the scope counts nothing").isEmpty();
        assertThat(fines.getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setJurisdiction(downtown).build()).getRowsList())
                .extracting(row -> row.getIssued().getCount()).containsExactly(1L);
    }

    @Test
    void viewersAndApiUsersMayNotAsk() {
        for (Role role : List.of(Role.ROLE_VIEWER, Role.ROLE_API_USER)) {
            Channel channel = app().userWith(role).channel();
            failure(Code.PERMISSION_DENIED, () -> FinesServiceGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(20))
                    .getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).build()));
        }
    }

    @Test
    void badRequestsAreInvalidArgumentsThatSayWhatIsWrong() {
        StatusRuntimeException reversed = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setStartTime(at(boundary)).setEndTime(at(boundary.minusSeconds(1))).build()));
        assertThat(reversed.getStatus().getDescription()).contains("end_time must be after start_time");

        StatusRuntimeException tooLong = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_DAY).setStartTime(at(boundary.minus(Duration.ofDays(367)))).setEndTime(at(boundary)).build()));
        assertThat(tooLong.getStatus().getDescription()).contains("at most 366 days with DAY buckets");
        assertThat(admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_DAY)
                .setStartTime(at(boundary.minus(Duration.ofDays(366)))).setEndTime(at(boundary)).build()).getRowsList())
                .as("366 days are allowed").hasSize(1);

        StatusRuntimeException unknown = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setBucketValue(9).build()));
        assertThat(unknown.getStatus().getDescription()).contains("bucket");
        StatusRuntimeException missing = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).clearBucket().build()));
        assertThat(missing.getStatus().getDescription()).contains("bucket");
        StatusRuntimeException group = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setGroupByValue(42).build()));
        assertThat(group.getStatus().getDescription()).contains("group_by");
        StatusRuntimeException noStart = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).clearStartTime().build()));
        assertThat(noStart.getStatus().getDescription()).contains("start_time");
        StatusRuntimeException jurisdiction = failure(Code.INVALID_ARGUMENT, () -> admin().getFineAnalytics(
                request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setJurisdiction("US CA").build()));
        assertThat(jurisdiction.getStatus().getDescription()).contains("jurisdiction");
    }

    @Test
    void theRestRouteAnswersTheSameAndRefusesAnUnknownBucket() throws Exception {
        String range = "start_time=" + boundary.minus(Duration.ofDays(20)) + "&end_time=" + boundary.plus(Duration.ofDays(20))
                + "&jurisdiction=" + base;
        HttpResponse<String> ok = app().get("/v1/fines:analytics?" + range + "&bucket=ANALYTICS_BUCKET_MONTH&group_by=ANALYTICS_GROUP_BY_STATUS");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        GetFineAnalyticsResponse.Builder json = GetFineAnalyticsResponse.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(ok.body(), json);
        assertThat(json.build()).isEqualTo(admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH)
                .setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_STATUS).build()));
        assertThat(json.getRowsList()).filteredOn(row -> row.getGroup().equals("FINE_STATUS_DISMISSED")).singleElement()
                .satisfies(row -> assertThat(row.getContestSuccessRate()).isEqualTo(1.0));

        HttpResponse<String> bad = app().get("/v1/fines:analytics?" + range + "&bucket=ANALYTICS_BUCKET_YEAR");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(bad.body()).contains("bucket").doesNotContain("Exception");
        HttpResponse<String> reversed = app().get("/v1/fines:analytics?start_time=" + boundary + "&end_time=" + boundary.minus(Duration.ofDays(1))
                + "&bucket=ANALYTICS_BUCKET_DAY");
        assertThat(reversed.statusCode()).as(reversed.body()).isEqualTo(400);
        assertThat(reversed.body()).contains("end_time must be after start_time");
    }

    /** Every bucket and grouping over a range that starts and ends mid-day, so partial days are read from the fines. */
    List<GetFineAnalyticsRequest> everyShape() {
        List<GetFineAnalyticsRequest> all = new java.util.ArrayList<>();
        for (AnalyticsBucket bucket : List.of(AnalyticsBucket.ANALYTICS_BUCKET_DAY, AnalyticsBucket.ANALYTICS_BUCKET_WEEK,
                AnalyticsBucket.ANALYTICS_BUCKET_MONTH)) {
            for (AnalyticsGroupBy groupBy : List.of(AnalyticsGroupBy.ANALYTICS_GROUP_BY_UNSPECIFIED, AnalyticsGroupBy.ANALYTICS_GROUP_BY_JURISDICTION,
                    AnalyticsGroupBy.ANALYTICS_GROUP_BY_VIOLATION_CODE, AnalyticsGroupBy.ANALYTICS_GROUP_BY_STATUS)) {
                all.add(request(bucket).setGroupBy(groupBy).setStartTime(at(boundary.minus(Duration.ofDays(20)).plus(Duration.ofHours(7))))
                        .setEndTime(at(boundary.plus(Duration.ofDays(20)).minus(Duration.ofHours(5)))).build());
                all.add(request(bucket).setGroupBy(groupBy).build());
            }
        }
        return all;
    }

    /** Asserts that GetFineAnalytics answers as the statement over the fines alone does, for every shape. */
    void answersEqualTheFines(FineStore fines) {
        for (GetFineAnalyticsRequest request : everyShape()) {
            FineStore.AnalyticsQuery query = new FineStore.AnalyticsQuery(Times.toInstant(request.getStartTime()),
                    Times.toInstant(request.getEndTime()), com.finehero.server.platform.db.Dialect.Period.valueOf(
                    request.getBucket().name().substring("ANALYTICS_BUCKET_".length())), request.getGroupBy(),
                    com.finehero.server.platform.security.JurisdictionScope.of("jurisdiction", request.getJurisdiction()),
                    com.finehero.server.platform.security.JurisdictionScope.NONE);
            List<FineAnalyticsRow> live = new java.util.ArrayList<>(fines.analyticsFromFines(query, 10_000));
            live.sort(java.util.Comparator.comparing((FineAnalyticsRow row) -> Times.toInstant(row.getBucketStart()))
                    .thenComparing(FineAnalyticsRow::getGroup).thenComparing(FineAnalyticsRow::getCurrencyCode));
            assertThat(live).as("the fines have figures for " + request).isNotEmpty();
            assertThat(admin().getFineAnalytics(request).getRowsList()).as(request.toString()).isEqualTo(live);
        }
    }

    /** Runs the recurring analytics_rollup task's type once, as the engine does, and waits for it to succeed. */
    void rewriteTheRollup() {
        var task = app().app().tasks().submit(com.finehero.server.platform.security.Principal.SYSTEM,
                com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder().setType("analytics_rollup").build());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> app().app().tasks().find(task.getId()).orElseThrow()
                .getState() == com.finehero.api.tasks.v1.TaskState.TASK_STATE_SUCCEEDED);
    }

    long markedDays(com.finehero.server.platform.db.Database database) {
        Instant from = boundary.minus(Duration.ofDays(21));
        return database.read(connection -> com.finehero.server.platform.db.Sql.one(connection,
                "SELECT COUNT(*) FROM fine_rollup_dirty WHERE issue_day >= ? AND issue_day < ?",
                List.of(java.time.LocalDate.ofInstant(from, ZoneOffset.UTC), java.time.LocalDate.ofInstant(boundary.plus(Duration.ofDays(21)), ZoneOffset.UTC)),
                row -> row.getLong(1)).orElseThrow());
    }

    @Test
    void theRollupAnswersAsTheFinesDoAndAChangeShowsAtOnce() {
        try (var database = com.finehero.server.platform.db.Database.open(
                com.finehero.server.platform.db.DbConfig.from(app().config().get("finehero.db")), app().clock())) {
            FineStore fines = new JdbcFineStore(database);
            answersEqualTheFines(fines);

            rewriteTheRollup();
            assertThat(markedDays(database)).as("every day of these fines is rolled up").isZero();
            long rolledUp = database.read(connection -> com.finehero.server.platform.db.Sql.one(connection,
                    "SELECT COUNT(*) FROM fine_rollup_days_by_code WHERE jurisdiction LIKE ?", List.of(base + "%"), row -> row.getLong(1)).orElseThrow());
            assertThat(rolledUp).as("one row per day, jurisdiction, code, status and currency").isEqualTo(6);
            long totals = database.read(connection -> com.finehero.server.platform.db.Sql.one(connection,
                    "SELECT COUNT(*) FROM fine_rollup_days WHERE jurisdiction LIKE ?", List.of(base + "%"), row -> row.getLong(1)).orElseThrow());
            assertThat(totals).as("one row per day, jurisdiction and currency: f1 and f2 share theirs").isEqualTo(5);
            answersEqualTheFines(fines);

            // after the rollup: a payment, a ruling, a new fine, a fine moved to another day, a deletion
            Fine paid = pay(f2);
            resolve(f6, ContestOutcome.CONTEST_OUTCOME_UPHELD);
            Fine late = fine(la, "P3", 900, "EUR", 30);
            admin().updateFine(com.finehero.api.fines.v1.UpdateFineRequest.newBuilder().setFine(late.toBuilder()
                    .setIssueTime(at(boundary.plus(Duration.ofDays(3))))).setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("issue_time")).build());
            Fine gone = fine(la, "P3", 100, "EUR", 31);
            admin().deleteFine(com.finehero.api.fines.v1.DeleteFineRequest.newBuilder().setFineId(gone.getId()).build());
            assertThat(markedDays(database)).as("the changed days are marked").isPositive();

            List<FineAnalyticsRow> months = admin().getFineAnalytics(request(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).build()).getRowsList();
            assertThat(months.get(0).getPaid().getCount()).as("the payment of " + paid.getId() + " counts at once").isEqualTo(2);
            assertThat(months.get(0).getMedianDaysToPayment()).isEqualTo((daysToPayment(f1) + daysToPayment(paid)) / 2);
            assertThat(months.get(2).getUpheld().getCount()).as("the ruling counts at once").isEqualTo(1);
            answersEqualTheFines(fines);

            rewriteTheRollup();
            assertThat(markedDays(database)).isZero();
            answersEqualTheFines(fines);
        }
    }

    User scopedUser(String scope, Role... roles) {
        String username = "analyst-" + UUID.randomUUID().toString().substring(0, 8);
        return AuthServiceGrpc.newBlockingStub(app().channel()).createUser(CreateUserRequest.newBuilder().setUsername(username)
                .setPassword("password-of-" + username).addAllRoles(List.of(roles)).setJurisdictionScope(scope).build());
    }

    String keyOf(User owner, String scope) {
        return AuthServiceGrpc.newBlockingStub(app().channel()).createApiKey(CreateApiKeyRequest.newBuilder().setName("analytics key")
                .setOwnerId(owner.getUserId()).setJurisdictionScope(scope).build()).getSecret();
    }

    Channel withKey(String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        return ClientInterceptors.intercept(app().anonymousChannel(), MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
