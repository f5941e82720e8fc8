package com.finehero.server.fines;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.UUID;

import com.finehero.api.common.v1.GeoPoint;
import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Contest;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Location;
import com.finehero.api.fines.v1.Payment;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.PaymentStatus;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.testing.SettableClock;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static com.finehero.server.testing.Refusals.invalidField;
import static com.finehero.server.testing.Refusals.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * FineRules without a server: each test names the rule it pins. The contract suites prove the same
 * rules over the wire; these add the edges (boundaries, which check wins, exact values) that are
 * awkward to reach through the API.
 */
class FineRulesTest {

    /** Microseconds set so that truncation to the databases' precision shows. */
    private static final Instant NOW = Instant.parse("2030-03-10T12:00:00.123456789Z");
    private static final Instant NOW_MICROS = Instant.parse("2030-03-10T12:00:00.123456Z");

    private final SettableClock clock = clock(NOW);
    private final FineRules rules = new FineRules(clock);

    private static SettableClock clock(Instant at) {
        SettableClock clock = new SettableClock();
        clock.set(at);
        return clock;
    }

    private static Money eur(long minor) {
        return Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(minor).build();
    }

    private static Timestamp at(Instant instant) {
        return Times.toProto(instant);
    }

    /** A fine as the store returns it (normalised): version 3, due in ten days, in the given status. */
    private static Fine stored(FineStatus status) {
        return Fine.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setCitationNumber("C-1").setJurisdiction("SF").setViolationCode("P1")
                .setAmount(eur(4550))
                .setIssueTime(at(NOW_MICROS.minus(Duration.ofDays(20))))
                .setDueTime(at(NOW_MICROS.plus(Duration.ofDays(10))))
                .setVehiclePlate("ABC123")
                .setStatus(status)
                .setVersion(3)
                .build();
    }

    private static Fine pastDue(FineStatus status) {
        return stored(status).toBuilder().setDueTime(at(NOW.minus(Duration.ofSeconds(1)))).build();
    }

    private static FieldMask mask(String... paths) {
        return FieldMask.newBuilder().addAllPaths(java.util.List.of(paths)).build();
    }

    /** The changes an UpdateFine request carries for {@code current}: same version, nothing else. */
    private static Fine.Builder changesTo(Fine current) {
        return Fine.newBuilder().setId(current.getId()).setVersion(current.getVersion());
    }

    private static ContestFineRequest contestRequest(Fine fine) {
        return ContestFineRequest.newBuilder().setFineId(fine.getId()).setReason("  The sign was covered.  ").build();
    }

    private static ResolveContestRequest.Builder ruling(Fine fine, ContestOutcome outcome) {
        return ResolveContestRequest.newBuilder().setFineId(fine.getId()).setOutcome(outcome).setNote("ruled");
    }

    private static PayFineRequest payRequest(Fine fine, Money amount) {
        return PayFineRequest.newBuilder().setFineId(fine.getId()).setIdempotencyKey("key-12345678")
                .setAmount(amount).setReference("bank-ref-9").build();
    }

    private static void illegalTransition(ThrowingCallable call, String message) {
        FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class, call);
        assertThat(e.reason()).isEqualTo("ILLEGAL_TRANSITION");
        assertThat(e.getMessage()).contains(message);
    }

    @Nested
    class Create {
        @Test
        void aNewFineIsOpenAtVersionOneWithServerFieldsFromTheClock() {
            Fine fine = rules.newFine(stored(FineStatus.FINE_STATUS_UNSPECIFIED).toBuilder().clearId().clearVersion().build());

            assertThat(UUID.fromString(fine.getId()).version()).isEqualTo(4);
            assertThat(fine.getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
            assertThat(fine.getVersion()).isEqualTo(1);
            assertThat(Times.toInstant(fine.getCreateTime())).isEqualTo(NOW_MICROS);
            assertThat(fine.getUpdateTime()).isEqualTo(fine.getCreateTime());
        }

        @Test
        void serverFieldsInTheRequestAreReplaced() {
            Fine requested = stored(FineStatus.FINE_STATUS_PAID).toBuilder()
                    .setVersion(7)
                    .setContest(Contest.newBuilder().setReason("made up"))
                    .setPayment(Payment.newBuilder().setId("made up"))
                    .build();
            Fine fine = rules.newFine(requested);

            assertThat(fine.getId()).isNotEqualTo(requested.getId());
            assertThat(fine.getStatus()).isEqualTo(FineStatus.FINE_STATUS_OPEN);
            assertThat(fine.getVersion()).isEqualTo(1);
            assertThat(fine.hasContest()).isFalse();
            assertThat(fine.hasPayment()).isFalse();
        }

        @Test
        void inputsAreNormalised() {
            Fine fine = rules.newFine(stored(FineStatus.FINE_STATUS_UNSPECIFIED).toBuilder()
                    .setJurisdiction("us-ca")
                    .setVehiclePlate("ab c-12 3")
                    .setViolationDescription("  blocking a hydrant \n")
                    .setIssueTime(at(Instant.parse("2030-03-01T08:00:00.000000999Z")))
                    .setDueTime(at(Instant.parse("2030-04-01T08:00:00.000001999Z")))
                    .build());

            assertThat(fine.getJurisdiction()).isEqualTo("US-CA");
            assertThat(fine.getVehiclePlate()).isEqualTo("ABC123");
            assertThat(fine.getViolationDescription()).isEqualTo("blocking a hydrant");
            assertThat(Times.toInstant(fine.getIssueTime())).as("truncated to microseconds")
                    .isEqualTo(Instant.parse("2030-03-01T08:00:00Z"));
            assertThat(Times.toInstant(fine.getDueTime())).isEqualTo(Instant.parse("2030-04-01T08:00:00.000001Z"));
        }

        @Test
        void anEmptyLocationIsNoLocation() {
            Fine withEmpty = rules.newFine(stored(FineStatus.FINE_STATUS_UNSPECIFIED).toBuilder()
                    .setLocation(Location.getDefaultInstance()).build());
            assertThat(withEmpty.hasLocation()).isFalse();

            Fine withPointOnly = rules.newFine(stored(FineStatus.FINE_STATUS_UNSPECIFIED).toBuilder()
                    .setLocation(Location.newBuilder().setPoint(GeoPoint.getDefaultInstance())).build());
            assertThat(withPointOnly.getLocation().hasPoint()).as("a point at 0,0 is still a point").isTrue();

            Fine withAddressOnly = rules.newFine(stored(FineStatus.FINE_STATUS_UNSPECIFIED).toBuilder()
                    .setLocation(Location.newBuilder().setAddress("1 Main St")).build());
            assertThat(withAddressOnly.getLocation().getAddress()).isEqualTo("1 Main St");
        }

        @Test
        void platesCompareWithoutCaseSpacesOrDashes() {
            assertThat(FineRules.normalisePlate(" 7-abc 12\t")).isEqualTo("7ABC12");
            assertThat(FineRules.normalisePlate("7ABC12")).isEqualTo("7ABC12");
        }
    }

    @Nested
    class Overdue {
        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_OPEN", "FINE_STATUS_UPHELD"})
        void openAndUpheldFinesPastTheirDueTimeAreOverdue(FineStatus status) {
            assertThat(rules.effectiveStatus(pastDue(status))).isEqualTo(FineStatus.FINE_STATUS_OVERDUE);
            assertThat(rules.effectiveStatus(stored(status))).isEqualTo(status);
        }

        @Test
        void aFineDueNowIsNotOverdueYet() {
            Fine dueNow = stored(FineStatus.FINE_STATUS_OPEN).toBuilder().setDueTime(at(NOW_MICROS)).build();
            assertThat(rules.effectiveStatus(dueNow)).isEqualTo(FineStatus.FINE_STATUS_OPEN);

            clock.advance(Duration.ofNanos(1_000));
            assertThat(rules.effectiveStatus(dueNow)).isEqualTo(FineStatus.FINE_STATUS_OVERDUE);
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_CONTESTED", "FINE_STATUS_PAID",
                "FINE_STATUS_DISMISSED", "FINE_STATUS_OVERDUE"})
        void otherStatusesDoNotChangeWithTime(FineStatus status) {
            assertThat(rules.effectiveStatus(pastDue(status))).isEqualTo(status);
        }
    }

    @Nested
    class Update {
        @Test
        void onlyMaskedFieldsChangeAndTheVersionMovesOn() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            clock.advance(Duration.ofMinutes(5));
            Fine updated = rules.update(current, changesTo(current).setAmount(eur(9900)).setOwnerId("not in the mask").build(),
                    mask("amount"));

            assertThat(updated.getAmount()).isEqualTo(eur(9900));
            assertThat(updated.getOwnerId()).isEmpty();
            assertThat(updated.getVersion()).isEqualTo(4);
            assertThat(Times.toInstant(updated.getUpdateTime())).isEqualTo(NOW_MICROS.plus(Duration.ofMinutes(5)));
            assertThat(updated.toBuilder().setAmount(current.getAmount()).setVersion(3).clearUpdateTime().build())
                    .isEqualTo(current);
        }

        @Test
        void aStaleVersionIsAbortedNamingBothVersions() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            FineHeroException.Aborted e = refused(FineHeroException.Aborted.class,
                    () -> rules.update(current, changesTo(current).setVersion(2).build(), mask("owner_id")));
            assertThat(e.reason()).isEqualTo("STALE_VERSION");
            assertThat(e.getMessage()).contains("is at version 3").contains("based on version 2");
        }

        @Test
        void theVersionIsCheckedBeforeTheStatus() {
            Fine paid = stored(FineStatus.FINE_STATUS_PAID);
            refused(FineHeroException.Aborted.class,
                    () -> rules.update(paid, changesTo(paid).setVersion(1).build(), mask("owner_id")));
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_PAID", "FINE_STATUS_DISMISSED"})
        void paidAndDismissedFinesAreFinal(FineStatus status) {
            Fine current = stored(status);
            FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.update(current, changesTo(current).setOwnerId("x").build(), mask("owner_id")));
            assertThat(e.reason()).isEqualTo("FINE_FINAL");
            assertThat(e.getMessage()).contains("is " + FineRules.name(status));
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_CONTESTED", "FINE_STATUS_UPHELD", "FINE_STATUS_OVERDUE"})
        void finesInProgressCanStillBeCorrected(FineStatus status) {
            Fine current = stored(status);
            assertThat(rules.update(current, changesTo(current).setOwnerId("owner-2").build(), mask("owner_id")).getOwnerId())
                    .isEqualTo("owner-2");
        }

        @Test
        void anEmptyMaskIsInvalid() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            invalidField(() -> rules.update(current, changesTo(current).build(), FieldMask.getDefaultInstance()),
                    "update_mask", "name at least one field");
        }

        @Test
        void onlyTheUpdatableFieldsMayBeMasked() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            for (String path : new String[] {"id", "status", "version", "contest", "payment", "create_time", "location.nope"}) {
                FineHeroException.InvalidArgument e = refused(FineHeroException.InvalidArgument.class,
                        () -> rules.update(current, changesTo(current).build(), mask(path)));
                assertThat(e.violations()).extracting(FineHeroException.FieldViolation::field).containsExactly("update_mask");
                assertThat(e.getMessage()).contains("'" + path + "' cannot be updated")
                        .contains("(updatable: amount, citation_number, due_time, issue_time, jurisdiction, location, "
                                + "location.address, location.point, owner_id, vehicle_plate, violation_code, violation_description)");
            }
        }

        @Test
        void citationJurisdictionAndViolationCodeMustNotBeEmpty() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            for (String field : new String[] {"citation_number", "jurisdiction", "violation_code"}) {
                invalidField(() -> rules.update(current, changesTo(current).build(), mask(field)), "fine." + field, "must not be empty");
            }
            assertThat(rules.update(current, changesTo(current).build(), mask("violation_description")).getViolationDescription())
                    .as("the description may be cleared").isEmpty();
        }

        @Test
        void theAmountMustBeSetAndPositive() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            invalidField(() -> rules.update(current, changesTo(current).build(), mask("amount")), "fine.amount", "must be set and positive");
            invalidField(() -> rules.update(current, changesTo(current).setAmount(eur(0)).build(), mask("amount")),
                    "fine.amount", "must be set and positive");
            assertThat(rules.update(current, changesTo(current).setAmount(eur(1)).build(), mask("amount")).getAmount())
                    .isEqualTo(eur(1));
        }

        @Test
        void issueAndDueTimesMustBeSet() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            invalidField(() -> rules.update(current, changesTo(current).build(), mask("issue_time")), "fine.issue_time", "must be set");
            invalidField(() -> rules.update(current, changesTo(current).build(), mask("due_time")), "fine.due_time", "must be set");
        }

        @Test
        void theDueTimeMustStayAfterTheIssueTime() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            invalidField(() -> rules.update(current, changesTo(current).setDueTime(current.getIssueTime()).build(), mask("due_time")),
                    "fine.due_time", "must be after issue_time");
            invalidField(() -> rules.update(current, changesTo(current).setIssueTime(current.getDueTime()).build(), mask("issue_time")),
                    "fine.due_time", "must be after issue_time");
            Instant justAfterIssue = Times.toInstant(current.getIssueTime()).plusNanos(1_000);
            assertThat(rules.update(current, changesTo(current).setDueTime(at(justAfterIssue)).build(), mask("due_time")).getDueTime())
                    .isEqualTo(at(justAfterIssue));
        }

        @Test
        void updatedInputsAreNormalisedLikeNewOnes() {
            Fine current = stored(FineStatus.FINE_STATUS_OPEN);
            Fine updated = rules.update(current, changesTo(current).setVehiclePlate("xy-9 9").setJurisdiction("ny").build(),
                    mask("vehicle_plate", "jurisdiction"));
            assertThat(updated.getVehiclePlate()).isEqualTo("XY99");
            assertThat(updated.getJurisdiction()).isEqualTo("NY");
        }

        @Test
        void locationPartsChangeOnTheirOwn() {
            GeoPoint point = GeoPoint.newBuilder().setLatitude(37.77).setLongitude(-122.42).build();
            Fine current = stored(FineStatus.FINE_STATUS_OPEN).toBuilder()
                    .setLocation(Location.newBuilder().setAddress("1 Main St").setPoint(point)).build();

            Fine readdressed = rules.update(current, changesTo(current).setLocation(Location.newBuilder().setAddress("2 Main St")).build(),
                    mask("location.address"));
            assertThat(readdressed.getLocation()).isEqualTo(Location.newBuilder().setAddress("2 Main St").setPoint(point).build());

            Fine unpinned = rules.update(current, changesTo(current).build(), mask("location.point"));
            assertThat(unpinned.getLocation()).as("a masked point that is not given is cleared")
                    .isEqualTo(Location.newBuilder().setAddress("1 Main St").build());

            Fine cleared = rules.update(current, changesTo(current).build(), mask("location"));
            assertThat(cleared.hasLocation()).as("an empty location reads back as none").isFalse();
        }
    }

    @Nested
    class Contesting {
        @Test
        void anOpenFineBecomesContestedWithTheContestRecorded() {
            Fine open = stored(FineStatus.FINE_STATUS_OPEN);
            String cited = UUID.randomUUID().toString();
            Fine contested = rules.contest(open, contestRequest(open).toBuilder()
                    .addEvidenceUris("https://evidence.example/1.jpg").addCitedDocumentIds(cited.toUpperCase()).build());

            assertThat(contested.getStatus()).isEqualTo(FineStatus.FINE_STATUS_CONTESTED);
            assertThat(contested.getVersion()).isEqualTo(4);
            assertThat(contested.getContest().getReason()).as("stripped").isEqualTo("The sign was covered.");
            assertThat(contested.getContest().getEvidenceUrisList()).containsExactly("https://evidence.example/1.jpg");
            assertThat(contested.getContest().getCitedDocumentIdsList()).as("ids lower-cased").containsExactly(cited);
            assertThat(Times.toInstant(contested.getContest().getContestTime())).isEqualTo(NOW_MICROS);
            assertThat(contested.getContest().getOutcome()).isEqualTo(ContestOutcome.CONTEST_OUTCOME_UNSPECIFIED);
        }

        @Test
        void anOpenFinePastItsDueTimeCanNoLongerBeContested() {
            Fine overdue = pastDue(FineStatus.FINE_STATUS_OPEN);
            illegalTransition(() -> rules.contest(overdue, contestRequest(overdue)),
                    "is OVERDUE and cannot be contested: only an OPEN fine can be contested");
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_CONTESTED", "FINE_STATUS_UPHELD", "FINE_STATUS_DISMISSED",
                "FINE_STATUS_PAID", "FINE_STATUS_OVERDUE"})
        void onlyAnOpenFineCanBeContested(FineStatus status) {
            Fine fine = stored(status);
            illegalTransition(() -> rules.contest(fine, contestRequest(fine)), "is " + FineRules.name(status) + " and cannot be contested");
        }
    }

    @Nested
    class Ruling {
        private Fine contested() {
            Fine open = stored(FineStatus.FINE_STATUS_OPEN);
            return rules.contest(open, contestRequest(open));
        }

        @Test
        void aDismissalIsFinalAndRecordsTheRuling() {
            Fine contested = contested();
            clock.advance(Duration.ofDays(2));
            Fine dismissed = rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_DISMISSED).build());

            assertThat(dismissed.getStatus()).isEqualTo(FineStatus.FINE_STATUS_DISMISSED);
            assertThat(dismissed.getVersion()).isEqualTo(contested.getVersion() + 1);
            assertThat(dismissed.getContest().getOutcome()).isEqualTo(ContestOutcome.CONTEST_OUTCOME_DISMISSED);
            assertThat(dismissed.getContest().getResolutionNote()).isEqualTo("ruled");
            assertThat(Times.toInstant(dismissed.getContest().getResolveTime())).isEqualTo(NOW_MICROS.plus(Duration.ofDays(2)));
            assertThat(dismissed.getContest().getReason()).as("the contest is kept").isEqualTo("The sign was covered.");
            assertThat(dismissed.getDueTime()).isEqualTo(contested.getDueTime());
        }

        @Test
        void aDismissalTakesNoDueTime() {
            Fine contested = contested();
            invalidField(() -> rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_DISMISSED)
                    .setDueTime(at(NOW.plus(Duration.ofDays(5)))).build()), "due_time", "only an UPHELD ruling sets a new due time");
        }

        @Test
        void upheldBeforeTheDueTimeKeepsTheDueTime() {
            Fine contested = contested();
            Fine upheld = rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_UPHELD).build());
            assertThat(upheld.getStatus()).isEqualTo(FineStatus.FINE_STATUS_UPHELD);
            assertThat(upheld.getDueTime()).isEqualTo(contested.getDueTime());
        }

        @Test
        void upheldAfterTheDueTimeGetsThirtyDaysFromTheRuling() {
            Fine contested = contested();
            clock.advance(Duration.ofDays(40));
            Fine upheld = rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_UPHELD).build());
            assertThat(FineRules.GRACE_AFTER_RULING).isEqualTo(Duration.ofDays(30));
            assertThat(Times.toInstant(upheld.getDueTime())).isEqualTo(NOW_MICROS.plus(Duration.ofDays(40 + 30)));
        }

        @Test
        void upheldExactlyAtTheDueTimeAlsoGetsTheGracePeriod() {
            Fine contested = contested().toBuilder().setDueTime(at(NOW_MICROS)).build();
            Fine upheld = rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_UPHELD).build());
            assertThat(Times.toInstant(upheld.getDueTime())).isEqualTo(NOW_MICROS.plus(FineRules.GRACE_AFTER_RULING));
        }

        @Test
        void upheldWithADueTimeTakesItTruncated() {
            Fine contested = contested();
            Instant given = Instant.parse("2030-06-01T00:00:00.000000500Z");
            Fine upheld = rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_UPHELD).setDueTime(at(given)).build());
            assertThat(Times.toInstant(upheld.getDueTime())).isEqualTo(Instant.parse("2030-06-01T00:00:00Z"));
        }

        @Test
        void aNewDueTimeMustBeInTheFuture() {
            Fine contested = contested();
            invalidField(() -> rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_UPHELD)
                    .setDueTime(at(NOW_MICROS)).build()), "due_time", "must be in the future");
        }

        @Test
        void aContestedFinePastItsDueTimeCanStillBeRuledOn() {
            Fine contested = contested();
            clock.advance(Duration.ofDays(40));
            assertThat(rules.resolve(contested, ruling(contested, ContestOutcome.CONTEST_OUTCOME_DISMISSED).build()).getStatus())
                    .isEqualTo(FineStatus.FINE_STATUS_DISMISSED);
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_OPEN", "FINE_STATUS_UPHELD", "FINE_STATUS_DISMISSED",
                "FINE_STATUS_PAID", "FINE_STATUS_OVERDUE"})
        void onlyAContestedFineCanBeRuledOn(FineStatus status) {
            Fine fine = stored(status);
            illegalTransition(() -> rules.resolve(fine, ruling(fine, ContestOutcome.CONTEST_OUTCOME_UPHELD).build()),
                    "is " + FineRules.name(status) + " and cannot be ruled on: only a CONTESTED fine can be ruled on");
        }
    }

    @Nested
    class Paying {
        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_OPEN", "FINE_STATUS_UPHELD", "FINE_STATUS_OVERDUE"})
        void openUpheldAndOverdueFinesArePayable(FineStatus status) {
            Fine fine = stored(status);
            Payment payment = rules.payment(fine, payRequest(fine, eur(4550)), true);

            assertThat(UUID.fromString(payment.getId()).version()).isEqualTo(4);
            assertThat(payment.getFineId()).isEqualTo(fine.getId());
            assertThat(payment.getAmount()).isEqualTo(eur(4550));
            assertThat(payment.getIdempotencyKey()).isEqualTo("key-12345678");
            assertThat(payment.getReference()).isEqualTo("bank-ref-9");
            assertThat(Times.toInstant(payment.getPaidTime())).isEqualTo(NOW_MICROS);
        }

        @Test
        void anOpenFinePastItsDueTimeIsPayableAsOverdue() {
            Fine fine = pastDue(FineStatus.FINE_STATUS_OPEN);
            assertThat(rules.payment(fine, payRequest(fine, eur(4550)), true).getAmount()).isEqualTo(eur(4550));
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_CONTESTED", "FINE_STATUS_PAID", "FINE_STATUS_DISMISSED"})
        void contestedPaidAndDismissedFinesAreNotPayable(FineStatus status) {
            Fine fine = stored(status);
            illegalTransition(() -> rules.payment(fine, payRequest(fine, eur(4550)), true),
                    "is " + FineRules.name(status) + " and cannot be paid: only an OPEN, UPHELD or OVERDUE fine can be paid");
        }

        @Test
        void theStatusIsCheckedBeforeTheAmount() {
            Fine paid = stored(FineStatus.FINE_STATUS_PAID);
            illegalTransition(() -> rules.payment(paid, payRequest(paid, eur(1)), true), "cannot be paid");
        }

        @Test
        void theAmountPaidMustBeTheAmountDueToTheCent() {
            Fine fine = stored(FineStatus.FINE_STATUS_OPEN);
            FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.payment(fine, payRequest(fine, eur(4549)), true));
            assertThat(e.reason()).isEqualTo("AMOUNT_MISMATCH");
            assertThat(e.getMessage()).isEqualTo("the amount paid, 45.49 EUR, does not match the amount due, 45.50 EUR");
        }

        @Test
        void theCurrencyMustBeTheCurrencyDue() {
            Fine fine = stored(FineStatus.FINE_STATUS_OPEN);
            Money dollars = Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550).build();
            FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.payment(fine, payRequest(fine, dollars), true));
            assertThat(e.reason()).isEqualTo("AMOUNT_MISMATCH");
            assertThat(e.getMessage()).contains("45.50 USD").contains("45.50 EUR");
        }

        @Test
        void aPaidFineCarriesItsPayment() {
            Fine fine = stored(FineStatus.FINE_STATUS_UPHELD);
            Payment payment = rules.payment(fine, payRequest(fine, eur(4550)), true);
            Fine paid = rules.paid(fine, payment);
            assertThat(paid.getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
            assertThat(paid.getPayment()).isEqualTo(payment);
            assertThat(paid.getVersion()).isEqualTo(4);
        }

        @Test
        void staffPaymentsAreConfirmedWhenRecorded() {
            Fine fine = stored(FineStatus.FINE_STATUS_OPEN);
            Payment payment = rules.payment(fine, payRequest(fine, eur(4550)), true);
            assertThat(payment.getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
            assertThat(payment.getConfirmTime()).isEqualTo(payment.getPaidTime());
        }

        @Test
        void otherPaymentsWaitForConfirmationAndCannotMakeAFinePaid() {
            Fine fine = stored(FineStatus.FINE_STATUS_OPEN);
            Payment pending = rules.payment(fine, payRequest(fine, eur(4550)), false);
            assertThat(pending.getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_PENDING_CONFIRMATION);
            assertThat(pending.hasConfirmTime()).isFalse();
            assertThatThrownBy(() -> rules.paid(fine, pending)).isInstanceOf(IllegalStateException.class);
        }

        @Test
        void amountsInMessagesHaveTwoMinorDigits() {
            assertThat(FineRules.MoneyText.format(eur(4550))).isEqualTo("45.50 EUR");
            assertThat(FineRules.MoneyText.format(eur(7))).isEqualTo("0.07 EUR");
            assertThat(FineRules.MoneyText.format(eur(1_000_000))).isEqualTo("10000.00 EUR");
        }
    }

    @Nested
    class Confirming {
        private final Fine fine = stored(FineStatus.FINE_STATUS_OPEN);
        private final Payment pending = rules.payment(fine, payRequest(fine, eur(4550)), false);

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_OPEN", "FINE_STATUS_UPHELD", "FINE_STATUS_OVERDUE"})
        void aConfirmationOfAPayableFineConfirmsThePayment(FineStatus status) {
            clock.advance(Duration.ofMinutes(3));
            Payment confirmed = rules.confirmed(stored(status), pending, "psp-77");
            assertThat(confirmed.getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_CONFIRMED);
            assertThat(Times.toInstant(confirmed.getConfirmTime())).isEqualTo(NOW_MICROS.plus(Duration.ofMinutes(3)));
            assertThat(confirmed.getReference()).isEqualTo("psp-77");
            assertThat(rules.paid(fine, confirmed).getStatus()).isEqualTo(FineStatus.FINE_STATUS_PAID);
        }

        @ParameterizedTest
        @EnumSource(value = FineStatus.class, names = {"FINE_STATUS_PAID", "FINE_STATUS_DISMISSED", "FINE_STATUS_CONTESTED"})
        void aConfirmationOfASettledFineIsUnapplied(FineStatus status) {
            Payment late = rules.confirmed(stored(status), pending, "");
            assertThat(late.getStatus()).isEqualTo(PaymentStatus.PAYMENT_STATUS_UNAPPLIED);
            assertThat(late.getReference()).as("kept when the provider gives none").isEqualTo("bank-ref-9");
        }

        @Test
        void onlyAPendingPaymentIsConfirmed() {
            Payment confirmed = rules.confirmed(fine, pending, "");
            assertThatThrownBy(() -> rules.confirmed(fine, confirmed, "")).isInstanceOf(IllegalStateException.class);
        }

        @Test
        void theConfirmedAmountMustBeThePaymentsAmount() {
            assertThatNoException().isThrownBy(() -> rules.checkConfirmation(pending, eur(4550)));
            FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.checkConfirmation(pending, eur(4500)));
            assertThat(e.reason()).isEqualTo("AMOUNT_MISMATCH");
            assertThat(e.getMessage()).isEqualTo("the amount confirmed, 45.00 EUR, does not match payment "
                    + pending.getId() + " of 45.50 EUR");
        }
    }

    @Nested
    class Replaying {
        private final Fine fine = stored(FineStatus.FINE_STATUS_OPEN);
        private final Payment first = rules.payment(fine, payRequest(fine, eur(4550)), true);

        @Test
        void theSameFineAndAmountReplayTheFirstPayment() {
            assertThatNoException().isThrownBy(() -> rules.checkReplay(first, payRequest(fine, eur(4550)).toBuilder()
                    .setReference("another reference").build()));
        }

        @Test
        void aKeyUsedForAnotherFineIsRefused() {
            Fine other = stored(FineStatus.FINE_STATUS_OPEN);
            FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.checkReplay(first, payRequest(other, eur(4550))));
            assertThat(e.reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
            assertThat(e.getMessage()).isEqualTo("idempotency key key-12345678 was already used to pay another fine");
        }

        @Test
        void aKeyUsedForAnotherAmountOrCurrencyIsRefused() {
            FineHeroException.FailedPrecondition amount = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.checkReplay(first, payRequest(fine, eur(100))));
            assertThat(amount.reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
            assertThat(amount.getMessage()).isEqualTo("idempotency key key-12345678 was used for a payment of 45.50 EUR, not 1.00 EUR");

            FineHeroException.FailedPrecondition currency = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.checkReplay(first, payRequest(fine, Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550).build())));
            assertThat(currency.reason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        }
    }

    @Nested
    class Deleting {
        @Test
        void aPaidFineIsKeptAsAFinancialRecord() {
            FineHeroException.FailedPrecondition e = refused(FineHeroException.FailedPrecondition.class,
                    () -> rules.checkDeletable(stored(FineStatus.FINE_STATUS_PAID), 0));
            assertThat(e.reason()).isEqualTo("FINE_PAID");
        }

        @Test
        void everyOtherStatusMayBeDeleted() {
            for (FineStatus status : EnumSet.complementOf(EnumSet.of(FineStatus.FINE_STATUS_PAID, FineStatus.UNRECOGNIZED))) {
                assertThatNoException().as(status.name()).isThrownBy(() -> rules.checkDeletable(stored(status), 0));
            }
        }

        @Test
        void versionZeroDeletesWhateverTheVersion() {
            assertThatNoException().isThrownBy(() -> rules.checkDeletable(stored(FineStatus.FINE_STATUS_OPEN), 0));
        }

        @Test
        void anotherVersionIsAbortedBeforeTheStatusIsLookedAt() {
            FineHeroException.Aborted e = refused(FineHeroException.Aborted.class,
                    () -> rules.checkDeletable(stored(FineStatus.FINE_STATUS_PAID), 2));
            assertThat(e.reason()).isEqualTo("STALE_VERSION");
            assertThat(e.getMessage()).contains("is at version 3, not 2");
            assertThatNoException().isThrownBy(() -> rules.checkDeletable(stored(FineStatus.FINE_STATUS_OPEN), 3));
        }
    }

    @Test
    void statusNamesDropTheEnumPrefix() {
        assertThat(FineRules.name(FineStatus.FINE_STATUS_OVERDUE)).isEqualTo("OVERDUE");
    }
}
