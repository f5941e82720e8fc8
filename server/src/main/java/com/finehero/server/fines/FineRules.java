package com.finehero.server.fines;

import com.finehero.server.platform.db.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Contest;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.ContestOutcome;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Payment;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.PaymentStatus;
import com.finehero.api.fines.v1.ResolveContestRequest;
import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;

/**
 * The decisions about fines, free of I/O: what a new fine looks like, which lifecycle transitions are
 * legal, what an update may change. Time comes from the injected clock so tests can move it.
 *
 * <pre>
 * OPEN -> CONTESTED -> DISMISSED | UPHELD
 * OPEN | UPHELD | OVERDUE -> PAID (with a confirmed payment)
 * OPEN | UPHELD past due_time -> OVERDUE
 *
 * payment: PENDING_CONFIRMATION -> CONFIRMED | UNAPPLIED; recorded by staff: CONFIRMED
 * </pre>
 */
final class FineRules {

    /** After an upheld contest whose due time has passed, the fine is due this long after the ruling. */
    public static final Duration GRACE_AFTER_RULING = Duration.ofDays(30);

    /** Fields UpdateFine may change; everything else is output-only or moves by lifecycle RPCs. */
    static final Set<String> UPDATABLE = Set.of(
            "citation_number", "jurisdiction", "violation_code", "violation_description", "amount",
            "issue_time", "due_time", "location", "location.address", "location.point", "vehicle_plate", "owner_id");

    private static final Set<FineStatus> PAYABLE =
            EnumSet.of(FineStatus.FINE_STATUS_OPEN, FineStatus.FINE_STATUS_UPHELD, FineStatus.FINE_STATUS_OVERDUE);
    private static final Set<FineStatus> FINAL =
            EnumSet.of(FineStatus.FINE_STATUS_PAID, FineStatus.FINE_STATUS_DISMISSED);

    private final Clock clock;

    public FineRules(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Whether {@code caller} may read a fine of this owner and jurisdiction: a viewer only their own,
     * and a scoped caller only within their jurisdiction scope. GetFine, the other reads and the event
     * feed all decide with this.
     */
    public static boolean visibleTo(com.finehero.server.platform.security.Principal caller, String ownerId, String jurisdiction) {
        return (caller.seesEveryOwner() || ownerId.equals(caller.subject())) && caller.scope().reaches(jurisdiction);
    }

    public Instant now() {
        return Times.truncate(clock.instant());
    }

    /** A new fine from a create request: server fields set, inputs normalised. */
    public Fine newFine(Fine requested) {
        Timestamp now = Times.toProto(now());
        return normalise(requested.toBuilder()
                .setId(UUID.randomUUID().toString())
                .setStatus(FineStatus.FINE_STATUS_OPEN)
                .clearContest()
                .clearPayment()
                .setCreateTime(now)
                .setUpdateTime(now)
                .setVersion(1)
                .build());
    }

    /** The status a fine really has now: OPEN or UPHELD past the due time is OVERDUE. */
    public FineStatus effectiveStatus(Fine fine) {
        FineStatus status = fine.getStatus();
        if ((status == FineStatus.FINE_STATUS_OPEN || status == FineStatus.FINE_STATUS_UPHELD)
                && Times.toInstant(fine.getDueTime()).isBefore(now())) {
            return FineStatus.FINE_STATUS_OVERDUE;
        }
        return status;
    }

    public Fine update(Fine current, Fine changes, FieldMask mask) {
        if (changes.getVersion() != current.getVersion()) {
            throw new FineHeroException.Aborted("STALE_VERSION", "fine " + current.getId() + " is at version "
                    + current.getVersion() + ", the update was based on version " + changes.getVersion()
                    + "; read it again and retry");
        }
        if (FINAL.contains(current.getStatus())) {
            throw FineHeroException.failedPrecondition("FINE_FINAL",
                    "fine " + current.getId() + " is " + name(current.getStatus()) + " and can no longer be changed");
        }
        if (mask.getPathsCount() == 0) {
            throw FineHeroException.invalidField("update_mask", "name at least one field to update");
        }
        Fine.Builder updated = current.toBuilder();
        for (String path : mask.getPathsList()) {
            if (!UPDATABLE.contains(path)) {
                throw FineHeroException.invalidField("update_mask",
                        "'" + path + "' cannot be updated (updatable: " + String.join(", ", UPDATABLE.stream().sorted().toList()) + ")");
            }
            switch (path) {
                case "citation_number" -> updated.setCitationNumber(required(changes.getCitationNumber(), "fine.citation_number"));
                case "jurisdiction" -> updated.setJurisdiction(required(changes.getJurisdiction(), "fine.jurisdiction"));
                case "violation_code" -> updated.setViolationCode(required(changes.getViolationCode(), "fine.violation_code"));
                case "violation_description" -> updated.setViolationDescription(changes.getViolationDescription());
                case "amount" -> {
                    if (!changes.hasAmount() || changes.getAmount().getAmountMinor() <= 0) {
                        throw FineHeroException.invalidField("fine.amount", "must be set and positive");
                    }
                    updated.setAmount(changes.getAmount());
                }
                case "issue_time" -> updated.setIssueTime(requiredTime(changes.hasIssueTime(), changes.getIssueTime(), "fine.issue_time"));
                case "due_time" -> updated.setDueTime(requiredTime(changes.hasDueTime(), changes.getDueTime(), "fine.due_time"));
                case "location" -> updated.setLocation(changes.getLocation());
                case "location.address" -> updated.getLocationBuilder().setAddress(changes.getLocation().getAddress());
                case "location.point" -> {
                    if (changes.getLocation().hasPoint()) {
                        updated.getLocationBuilder().setPoint(changes.getLocation().getPoint());
                    } else {
                        updated.getLocationBuilder().clearPoint();
                    }
                }
                case "vehicle_plate" -> updated.setVehiclePlate(changes.getVehiclePlate());
                case "owner_id" -> updated.setOwnerId(changes.getOwnerId());
                default -> throw new IllegalStateException("unhandled updatable path " + path);
            }
        }
        Fine candidate = updated.build();
        if (!Times.toInstant(candidate.getDueTime()).isAfter(Times.toInstant(candidate.getIssueTime()))) {
            throw FineHeroException.invalidField("fine.due_time", "must be after issue_time");
        }
        return touch(normalise(candidate));
    }

    public Fine contest(Fine current, ContestFineRequest request) {
        FineStatus status = effectiveStatus(current);
        if (status != FineStatus.FINE_STATUS_OPEN) {
            throw illegal(current, status, "contested", "only an OPEN fine can be contested");
        }
        return touch(current.toBuilder()
                .setStatus(FineStatus.FINE_STATUS_CONTESTED)
                .setContest(Contest.newBuilder()
                        .setReason(request.getReason().strip())
                        .addAllEvidenceUris(request.getEvidenceUrisList())
                        .addAllCitedDocumentIds(request.getCitedDocumentIdsList().stream()
                                .map(id -> id.toLowerCase(Locale.ROOT)).toList())
                        .setContestTime(Times.toProto(now())))
                .build());
    }

    public Fine resolve(Fine current, ResolveContestRequest request) {
        if (current.getStatus() != FineStatus.FINE_STATUS_CONTESTED) {
            throw illegal(current, current.getStatus(), "ruled on", "only a CONTESTED fine can be ruled on");
        }
        Instant now = now();
        Fine.Builder resolved = current.toBuilder();
        resolved.getContestBuilder()
                .setOutcome(request.getOutcome())
                .setResolutionNote(request.getNote())
                .setResolveTime(Times.toProto(now));
        if (request.getOutcome() == ContestOutcome.CONTEST_OUTCOME_DISMISSED) {
            if (request.hasDueTime()) {
                throw FineHeroException.invalidField("due_time", "only an UPHELD ruling sets a new due time");
            }
            resolved.setStatus(FineStatus.FINE_STATUS_DISMISSED);
        } else {
            resolved.setStatus(FineStatus.FINE_STATUS_UPHELD);
            if (request.hasDueTime()) {
                if (!Times.toInstant(request.getDueTime()).isAfter(now)) {
                    throw FineHeroException.invalidField("due_time", "must be in the future");
                }
                resolved.setDueTime(Times.toProto(Times.truncate(Times.toInstant(request.getDueTime()))));
            } else if (!Times.toInstant(current.getDueTime()).isAfter(now)) {
                resolved.setDueTime(Times.toProto(now.plus(GRACE_AFTER_RULING)));
            }
        }
        return touch(resolved.build());
    }

    /**
     * Checks that a fine can be paid with this request and returns the payment to record: confirmed
     * at once when staff record money received by other means, else pending until the payment
     * provider confirms it.
     */
    public Payment payment(Fine current, PayFineRequest request, boolean confirmedAtOnce) {
        FineStatus status = effectiveStatus(current);
        if (!PAYABLE.contains(status)) {
            throw illegal(current, status, "paid", "only an OPEN, UPHELD or OVERDUE fine can be paid");
        }
        Money due = current.getAmount();
        Money offered = request.getAmount();
        if (!due.getCurrencyCode().equals(offered.getCurrencyCode()) || due.getAmountMinor() != offered.getAmountMinor()) {
            throw FineHeroException.failedPrecondition("AMOUNT_MISMATCH", "the amount paid, " + MoneyText.format(offered)
                    + ", does not match the amount due, " + MoneyText.format(due));
        }
        Timestamp now = Times.toProto(now());
        Payment.Builder payment = Payment.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setFineId(current.getId())
                .setAmount(offered)
                .setIdempotencyKey(request.getIdempotencyKey())
                .setReference(request.getReference())
                .setPaidTime(now);
        if (confirmedAtOnce) {
            payment.setStatus(PaymentStatus.PAYMENT_STATUS_CONFIRMED).setConfirmTime(now);
        } else {
            payment.setStatus(PaymentStatus.PAYMENT_STATUS_PENDING_CONFIRMATION);
        }
        return payment.build();
    }

    public Fine paid(Fine current, Payment payment) {
        if (payment.getStatus() != PaymentStatus.PAYMENT_STATUS_CONFIRMED) {
            throw new IllegalStateException("payment " + payment.getId() + " is " + name(payment.getStatus()) + ", not CONFIRMED");
        }
        return touch(current.toBuilder().setStatus(FineStatus.FINE_STATUS_PAID).setPayment(payment).build());
    }

    /** A confirmation must name the amount the payment was made for. */
    public void checkConfirmation(Payment payment, Money collected) {
        if (!payment.getAmount().getCurrencyCode().equals(collected.getCurrencyCode())
                || payment.getAmount().getAmountMinor() != collected.getAmountMinor()) {
            throw FineHeroException.failedPrecondition("AMOUNT_MISMATCH", "the amount confirmed, " + MoneyText.format(collected)
                    + ", does not match payment " + payment.getId() + " of " + MoneyText.format(payment.getAmount()));
        }
    }

    /**
     * The pending payment once the provider confirmed it: CONFIRMED when its fine can still be paid,
     * UNAPPLIED when the fine was paid another way or stopped being payable meanwhile (the money is owed back).
     */
    public Payment confirmed(Fine current, Payment pending, String providerReference) {
        if (pending.getStatus() != PaymentStatus.PAYMENT_STATUS_PENDING_CONFIRMATION) {
            throw new IllegalStateException("payment " + pending.getId() + " is " + name(pending.getStatus()) + ", not pending");
        }
        boolean applies = PAYABLE.contains(effectiveStatus(current));
        return pending.toBuilder()
                .setStatus(applies ? PaymentStatus.PAYMENT_STATUS_CONFIRMED : PaymentStatus.PAYMENT_STATUS_UNAPPLIED)
                .setConfirmTime(Times.toProto(now()))
                .setReference(providerReference.isEmpty() ? pending.getReference() : providerReference)
                .build();
    }

    /** A repeated PayFine must match the first: same fine, same amount. */
    public void checkReplay(Payment first, PayFineRequest request) {
        if (!first.getFineId().equals(request.getFineId())) {
            throw FineHeroException.failedPrecondition("IDEMPOTENCY_KEY_REUSED",
                    "idempotency key " + request.getIdempotencyKey() + " was already used to pay another fine");
        }
        Money offered = request.getAmount();
        if (!first.getAmount().getCurrencyCode().equals(offered.getCurrencyCode())
                || first.getAmount().getAmountMinor() != offered.getAmountMinor()) {
            throw FineHeroException.failedPrecondition("IDEMPOTENCY_KEY_REUSED",
                    "idempotency key " + request.getIdempotencyKey() + " was used for a payment of "
                            + MoneyText.format(first.getAmount()) + ", not " + MoneyText.format(offered));
        }
    }

    public void checkDeletable(Fine current, long expectedVersion) {
        if (expectedVersion > 0 && expectedVersion != current.getVersion()) {
            throw new FineHeroException.Aborted("STALE_VERSION", "fine " + current.getId() + " is at version "
                    + current.getVersion() + ", not " + expectedVersion);
        }
        if (current.getStatus() == FineStatus.FINE_STATUS_PAID) {
            throw FineHeroException.failedPrecondition("FINE_PAID",
                    "fine " + current.getId() + " is PAID; paid fines are kept as a financial record");
        }
    }

    /** Licence plates compare without case, spaces or dashes. */
    public static String normalisePlate(String plate) {
        return plate.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
    }

    public static String name(FineStatus status) {
        return status.name().substring("FINE_STATUS_".length());
    }

    public static String name(PaymentStatus status) {
        return status.name().substring("PAYMENT_STATUS_".length());
    }

    private Fine touch(Fine fine) {
        return fine.toBuilder().setUpdateTime(Times.toProto(now())).setVersion(fine.getVersion() + 1).build();
    }

    private static Fine normalise(Fine fine) {
        Fine.Builder normalised = fine.toBuilder();
        if (fine.getLocation().getAddress().isEmpty() && !fine.getLocation().hasPoint()) {
            normalised.clearLocation(); // an empty location and no location read back the same
        }
        return normalised
                .setJurisdiction(fine.getJurisdiction().toUpperCase(Locale.ROOT))
                .setVehiclePlate(normalisePlate(fine.getVehiclePlate()))
                .setViolationDescription(fine.getViolationDescription().strip())
                .setIssueTime(Times.toProto(Times.truncate(Times.toInstant(fine.getIssueTime()))))
                .setDueTime(Times.toProto(Times.truncate(Times.toInstant(fine.getDueTime()))))
                .build();
    }

    private static FineHeroException illegal(Fine fine, FineStatus status, String verb, String rule) {
        return FineHeroException.failedPrecondition("ILLEGAL_TRANSITION",
                "fine " + fine.getId() + " is " + name(status) + " and cannot be " + verb + ": " + rule);
    }

    private static String required(String value, String field) {
        if (value.isEmpty()) {
            throw FineHeroException.invalidField(field, "must not be empty");
        }
        return value;
    }

    private static Timestamp requiredTime(boolean present, Timestamp value, String field) {
        if (!present) {
            throw FineHeroException.invalidField(field, "must be set");
        }
        return value;
    }

    /** Formats money for messages, e.g. "45.50 USD" (two minor digits, enough for a message). */
    static final class MoneyText {
        private MoneyText() {
        }

        static String format(Money money) {
            long minor = money.getAmountMinor();
            return String.format(Locale.ROOT, "%d.%02d %s", minor / 100, Math.abs(minor % 100), money.getCurrencyCode());
        }
    }
}
