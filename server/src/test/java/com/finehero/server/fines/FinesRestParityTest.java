package com.finehero.server.fines;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.finehero.api.common.v1.GeoPoint;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.ConfirmPaymentRequest;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.DeleteFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.AnalyticsBucket;
import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.GetFineAnalyticsRequest;
import com.finehero.api.fines.v1.GetFineStatsRequest;
import com.finehero.api.fines.v1.ListFinesNearRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.Location;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.server.platform.errors.HttpStatusMapping;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.google.protobuf.Descriptors;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One table of requests, each sent over gRPC and over REST: the same input gives the same status on
 * both protocols (and, for reads, the same response). The REST request is derived from the message
 * and the contract's HTTP rule, the way any REST client of the contract would build it.
 */
class FinesRestParityTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    /** Fines one case works on, created fresh for each protocol (or once, for reads). */
    record Fixture(String jurisdiction, Fine open, Fine contested, Fine paid) { }

    record Case(String name, String rpc, Status.Code expected, boolean read, Function<Fixture, Message> request) { }

    static final List<Case> CASES = List.of(
            new Case("create", "CreateFine", Status.Code.OK, false,
                    f -> CreateFineRequest.newBuilder().setFine(draft(f.jurisdiction(), "NEW-" + UUID.randomUUID())).build()),
            new Case("create without amount", "CreateFine", Status.Code.INVALID_ARGUMENT, false,
                    f -> CreateFineRequest.newBuilder().setFine(draft(f.jurisdiction(), "NA-1").clearAmount()).build()),
            new Case("create duplicate", "CreateFine", Status.Code.ALREADY_EXISTS, false,
                    f -> CreateFineRequest.newBuilder().setFine(draft(f.jurisdiction(), f.open().getCitationNumber())).build()),
            new Case("get", "GetFine", Status.Code.OK, true,
                    f -> GetFineRequest.newBuilder().setFineId(f.contested().getId()).build()),
            new Case("get unknown", "GetFine", Status.Code.NOT_FOUND, true,
                    f -> GetFineRequest.newBuilder().setFineId(UUID.nameUUIDFromBytes(f.jurisdiction().getBytes()).toString()).build()),
            new Case("get malformed id", "GetFine", Status.Code.INVALID_ARGUMENT, true,
                    f -> GetFineRequest.newBuilder().setFineId("nope").build()),
            new Case("list with filters", "ListFines", Status.Code.OK, true,
                    f -> ListFinesRequest.newBuilder().setJurisdiction(f.jurisdiction()).setPageSize(1)
                            .addStatuses(FineStatus.FINE_STATUS_OPEN).addStatuses(FineStatus.FINE_STATUS_CONTESTED)
                            .setDueAfter(Timestamp.newBuilder().setSeconds(1)).build()),
            new Case("list with a bad token", "ListFines", Status.Code.INVALID_ARGUMENT, true,
                    f -> ListFinesRequest.newBuilder().setPageToken("garbage").build()),
            new Case("update", "UpdateFine", Status.Code.OK, false,
                    f -> UpdateFineRequest.newBuilder()
                            .setFine(Fine.newBuilder().setId(f.open().getId()).setVersion(f.open().getVersion())
                                    .setAmount(usd(100)).setOwnerId("someone"))
                            .setUpdateMask(FieldMask.newBuilder().addPaths("amount").addPaths("owner_id")).build()),
            new Case("update stale", "UpdateFine", Status.Code.ABORTED, false,
                    f -> UpdateFineRequest.newBuilder()
                            .setFine(Fine.newBuilder().setId(f.contested().getId()).setVersion(1).setOwnerId("x"))
                            .setUpdateMask(FieldMask.newBuilder().addPaths("owner_id")).build()),
            new Case("delete", "DeleteFine", Status.Code.OK, false,
                    f -> DeleteFineRequest.newBuilder().setFineId(f.open().getId()).build()),
            new Case("delete paid", "DeleteFine", Status.Code.FAILED_PRECONDITION, false,
                    f -> DeleteFineRequest.newBuilder().setFineId(f.paid().getId()).build()),
            new Case("contest", "ContestFine", Status.Code.OK, false,
                    f -> ContestFineRequest.newBuilder().setFineId(f.open().getId())
                            .setReason("The sign was not visible at night.").addEvidenceUris("https://e.example/1.jpg").build()),
            new Case("contest twice", "ContestFine", Status.Code.FAILED_PRECONDITION, false,
                    f -> ContestFineRequest.newBuilder().setFineId(f.contested().getId())
                            .setReason("The sign was not visible at night.").build()),
            new Case("resolve", "ResolveContest", Status.Code.OK, false,
                    f -> ResolveContestRequest.newBuilder().setFineId(f.contested().getId())
                            .setOutcome(ContestOutcome.CONTEST_OUTCOME_UPHELD).build()),
            new Case("resolve open", "ResolveContest", Status.Code.FAILED_PRECONDITION, false,
                    f -> ResolveContestRequest.newBuilder().setFineId(f.open().getId())
                            .setOutcome(ContestOutcome.CONTEST_OUTCOME_DISMISSED).build()),
            new Case("pay", "PayFine", Status.Code.OK, false,
                    f -> PayFineRequest.newBuilder().setFineId(f.open().getId())
                            .setIdempotencyKey("parity-" + UUID.randomUUID()).setAmount(usd(4550)).build()),
            new Case("pay wrong amount", "PayFine", Status.Code.FAILED_PRECONDITION, false,
                    f -> PayFineRequest.newBuilder().setFineId(f.open().getId())
                            .setIdempotencyKey("parity-" + UUID.randomUUID()).setAmount(usd(1)).build()),
            new Case("confirm unsigned", "ConfirmPayment", Status.Code.UNAUTHENTICATED, false,
                    f -> ConfirmPaymentRequest.newBuilder().setPaymentId(f.paid().getPayment().getId()).setConfirmationId("cf-1")
                            .setAmount(usd(4550)).build()),
            new Case("confirm without amount", "ConfirmPayment", Status.Code.INVALID_ARGUMENT, false,
                    f -> ConfirmPaymentRequest.newBuilder().setPaymentId(f.paid().getPayment().getId()).setConfirmationId("cf-1").build()),
            new Case("contest with http evidence", "ContestFine", Status.Code.INVALID_ARGUMENT, false,
                    f -> ContestFineRequest.newBuilder().setFineId(f.open().getId())
                            .setReason("The sign was not visible at night.").addEvidenceUris("http://e.example/1.jpg").build()),
            new Case("stats", "GetFineStats", Status.Code.OK, true,
                    f -> GetFineStatsRequest.newBuilder().setJurisdiction(f.jurisdiction()).build()),
            new Case("analytics", "GetFineAnalytics", Status.Code.OK, true,
                    f -> GetFineAnalyticsRequest.newBuilder().setJurisdiction(f.jurisdiction())
                            .setStartTime(Timestamp.newBuilder().setSeconds(1_700_000_000L)).setEndTime(Timestamp.newBuilder().setSeconds(1_900_000_000L))
                            .setBucket(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_STATUS).build()),
            new Case("analytics with a reversed range", "GetFineAnalytics", Status.Code.INVALID_ARGUMENT, true,
                    f -> GetFineAnalyticsRequest.newBuilder().setStartTime(Timestamp.newBuilder().setSeconds(100))
                            .setEndTime(Timestamp.newBuilder().setSeconds(10)).setBucket(AnalyticsBucket.ANALYTICS_BUCKET_DAY).build()),
            new Case("near", "ListFinesNear", Status.Code.OK, true,
                    f -> ListFinesNearRequest.newBuilder()
                            .setCenter(GeoPoint.newBuilder().setLatitude(45.0).setLongitude(7.0))
                            .setRadiusMeters(500).addStatuses(FineStatus.FINE_STATUS_PAID).build()),
            new Case("near with a bad radius", "ListFinesNear", Status.Code.INVALID_ARGUMENT, true,
                    f -> ListFinesNearRequest.newBuilder()
                            .setCenter(GeoPoint.newBuilder().setLatitude(45.0).setLongitude(7.0))
                            .setRadiusMeters(-5).build()));

    @TestFactory
    Stream<DynamicTest> sameResultOnBothProtocols() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Descriptors.MethodDescriptor method = FinesProto.getDescriptor().findServiceByName("FinesService")
                    .findMethodByName(c.rpc());
            Fixture grpcFixture = fixture();
            Fixture restFixture = c.read() ? grpcFixture : fixture();

            Message grpcRequest = c.request().apply(grpcFixture);
            Status.Code grpcCode;
            Message grpcResponse = null;
            try {
                grpcResponse = callGrpc(c.rpc(), grpcRequest);
                grpcCode = Status.Code.OK;
            } catch (StatusRuntimeException e) {
                grpcCode = e.getStatus().getCode();
            }

            HttpResponse<String> rest = APP.send(RestCalls.toHttp(APP.uri("/"), method, c.request().apply(restFixture)));

            assertThat(grpcCode).as("gRPC " + c.name()).isEqualTo(c.expected());
            assertThat(rest.statusCode()).as("REST " + c.name() + ": " + rest.body())
                    .isEqualTo(HttpStatusMapping.httpStatus(c.expected()));
            if (c.expected() == Status.Code.OK) {
                Message restResponse = RestCalls.parse(rest, grpcResponse.getDefaultInstanceForType());
                if (c.read()) {
                    assertThat(restResponse).isEqualTo(grpcResponse);
                } else {
                    assertThat(restResponse.getDescriptorForType()).isEqualTo(grpcResponse.getDescriptorForType());
                }
            } else {
                assertThat(RestCalls.statusCode(rest)).isEqualTo(c.expected().value());
            }
        }));
    }

    @Test
    void tableCoversEveryRpcOfTheService() {
        Set<String> covered = CASES.stream().map(Case::rpc).collect(Collectors.toSet());
        Set<String> all = FinesProto.getDescriptor().findServiceByName("FinesService").getMethods().stream()
                .map(Descriptors.MethodDescriptor::getName).collect(Collectors.toSet());
        assertThat(covered).containsExactlyInAnyOrderElementsOf(all);
    }

    @SuppressWarnings("unchecked")
    private static Message callGrpc(String rpc, Message request) {
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) FinesServiceGrpc.getServiceDescriptor()
                .getMethods().stream().filter(m -> m.getBareMethodName().equals(rpc)).findFirst().orElseThrow();
        return ClientCalls.blockingUnaryCall(APP.channel(), method,
                CallOptions.DEFAULT.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS), request);
    }

    private static Fixture fixture() {
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel()).withDeadlineAfter(Duration.ofSeconds(10));
        String jurisdiction = "PAR-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        Fine open = fines.createFine(CreateFineRequest.newBuilder().setFine(draft(jurisdiction, "O-1")).build());
        Fine contested = fines.contestFine(ContestFineRequest.newBuilder()
                .setFineId(fines.createFine(CreateFineRequest.newBuilder().setFine(draft(jurisdiction, "C-1")).build()).getId())
                .setReason("The meter was out of order.").build());
        Fine toPay = fines.createFine(CreateFineRequest.newBuilder().setFine(draft(jurisdiction, "P-1")
                .setLocation(Location.newBuilder().setPoint(GeoPoint.newBuilder().setLatitude(45.0).setLongitude(7.0)))).build());
        Fine paid = fines.payFine(PayFineRequest.newBuilder().setFineId(toPay.getId())
                .setIdempotencyKey("fixture-" + UUID.randomUUID()).setAmount(usd(4550)).build()).getFine();
        return new Fixture(jurisdiction, open, contested, paid);
    }

    private static Fine.Builder draft(String jurisdiction, String citation) {
        Instant now = APP.clock().instant();
        return Fine.newBuilder().setCitationNumber(citation).setJurisdiction(jurisdiction).setViolationCode("V-1")
                .setAmount(usd(4550))
                .setIssueTime(Timestamp.newBuilder().setSeconds(now.minusSeconds(3600).getEpochSecond()))
                .setDueTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(30)).getEpochSecond()));
    }

    private static Money usd(long minor) {
        return Money.newBuilder().setCurrencyCode("USD").setAmountMinor(minor).build();
    }
}
