package com.finehero.server.platform.errors;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.grpc.Status;

/**
 * The failures FineHero's own code reports. Each carries a message that is safe to show a client
 * and a machine-readable {@code reason} (UPPER_SNAKE_CASE, as in {@code google.rpc.ErrorInfo}).
 * {@link ErrorMapper} alone turns them into a gRPC status; services never build a Status by hand.
 * Stack traces are not captured: these are expected outcomes, not bugs.
 */
public abstract sealed class FineHeroException extends RuntimeException {

    private final String reason;

    private FineHeroException(String reason, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The gRPC code this failure maps to. */
    public abstract Status.Code code();

    /** Machine-readable reason, e.g. {@code FINE_NOT_FOUND}. */
    public String reason() {
        return reason;
    }

    public static NotFound notFound(String what, String id) {
        return new NotFound(what.toUpperCase() + "_NOT_FOUND", what + " " + id + " not found");
    }

    public static InvalidArgument invalidField(String field, String description) {
        return new InvalidArgument("INVALID_FIELD", field + ": " + description,
                List.of(new FieldViolation(field, description)));
    }

    public static FailedPrecondition failedPrecondition(String reason, String message) {
        return new FailedPrecondition(reason, message);
    }

    /** A field that failed validation and why. */
    public record FieldViolation(String field, String description) {
        public FieldViolation {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(description, "description");
        }
    }

    public static final class NotFound extends FineHeroException {
        public NotFound(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.NOT_FOUND;
        }
    }

    public static final class AlreadyExists extends FineHeroException {
        public AlreadyExists(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.ALREADY_EXISTS;
        }
    }

    public static final class InvalidArgument extends FineHeroException {
        private final List<FieldViolation> violations;

        public InvalidArgument(String reason, String message, List<FieldViolation> violations) {
            super(reason, message);
            this.violations = List.copyOf(violations);
        }

        public List<FieldViolation> violations() {
            return violations;
        }

        @Override
        public Status.Code code() {
            return Status.Code.INVALID_ARGUMENT;
        }
    }

    public static final class FailedPrecondition extends FineHeroException {
        public FailedPrecondition(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.FAILED_PRECONDITION;
        }
    }

    /** A concurrent change won: the caller should read again and retry (stale version). */
    public static final class Aborted extends FineHeroException {
        public Aborted(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.ABORTED;
        }
    }

    public static final class PermissionDenied extends FineHeroException {
        public PermissionDenied(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.PERMISSION_DENIED;
        }
    }

    public static final class Unauthenticated extends FineHeroException {
        public Unauthenticated(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.UNAUTHENTICATED;
        }
    }

    public static final class RateLimited extends FineHeroException {
        private final Duration retryAfter;

        public RateLimited(String reason, String message, Duration retryAfter) {
            super(reason, message);
            this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        }

        public Duration retryAfter() {
            return retryAfter;
        }

        @Override
        public Status.Code code() {
            return Status.Code.RESOURCE_EXHAUSTED;
        }
    }

    /** Too large or too costly to accept (an upload past its limit); trying again will not help. */
    public static final class ResourceExhausted extends FineHeroException {
        public ResourceExhausted(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.RESOURCE_EXHAUSTED;
        }
    }

    public static final class Unavailable extends FineHeroException {
        private final Duration retryAfter;

        public Unavailable(String reason, String message, Duration retryAfter) {
            super(reason, message);
            this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        }

        public Duration retryAfter() {
            return retryAfter;
        }

        @Override
        public Status.Code code() {
            return Status.Code.UNAVAILABLE;
        }
    }

    /** The caller's deadline passed before the work finished; the work was stopped. */
    public static final class DeadlineExceeded extends FineHeroException {
        public DeadlineExceeded(String reason, String message) {
            super(reason, message);
        }

        @Override
        public Status.Code code() {
            return Status.Code.DEADLINE_EXCEEDED;
        }
    }
}
