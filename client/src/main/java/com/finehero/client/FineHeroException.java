package com.finehero.client;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * A failed FineHero call as a Java exception a caller can catch by kind, with what the server said:
 * its reason (ErrorInfo), the fields it refused (BadRequest) and when to come back (RetryInfo).
 * {@link FineHeroClient#call} throws these instead of a bare {@link StatusRuntimeException}.
 */
public sealed class FineHeroException extends RuntimeException {

    /** A refused field: its path in the request and what was wrong. */
    public record FieldViolation(String field, String description) { }

    private final Status.Code code;
    private final String reason;
    private final List<FieldViolation> violations;
    private final Duration retryAfter;

    FineHeroException(StatusRuntimeException cause, String reason, List<FieldViolation> violations, Duration retryAfter) {
        super(cause.getStatus().getCode() + ": " + cause.getStatus().getDescription(), cause);
        this.code = cause.getStatus().getCode();
        this.reason = reason;
        this.violations = List.copyOf(violations);
        this.retryAfter = retryAfter;
    }

    public Status.Code code() {
        return code;
    }

    /** The server's machine-readable reason, e.g. FINE_NOT_PAYABLE, TOKEN_EXPIRED; "" if none. */
    public String reason() {
        return reason;
    }

    public List<FieldViolation> violations() {
        return violations;
    }

    /** How long the server asked the caller to wait before trying again. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public static final class NotFound extends FineHeroException {
        NotFound(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** INVALID_ARGUMENT or OUT_OF_RANGE: the request itself is wrong; see {@link #violations()}. */
    public static final class InvalidArgument extends FineHeroException {
        InvalidArgument(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** FAILED_PRECONDITION: the record is not in a state that allows this (e.g. paying a contested fine). */
    public static final class FailedPrecondition extends FineHeroException {
        FailedPrecondition(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** ALREADY_EXISTS or ABORTED: someone else got there first; read again and decide. */
    public static final class Conflict extends FineHeroException {
        Conflict(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** UNAUTHENTICATED: credentials missing, expired or revoked; log in again. */
    public static final class Unauthenticated extends FineHeroException {
        Unauthenticated(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    public static final class PermissionDenied extends FineHeroException {
        PermissionDenied(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** RESOURCE_EXHAUSTED: rate limited; see {@link #retryAfter()}. */
    public static final class RateLimited extends FineHeroException {
        RateLimited(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** UNAVAILABLE or DEADLINE_EXCEEDED: try again later. */
    public static final class Unavailable extends FineHeroException {
        Unavailable(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    /** Anything else, INTERNAL included (its message carries the server's error id). */
    public static final class Other extends FineHeroException {
        Other(StatusRuntimeException c, String r, List<FieldViolation> v, Duration d) { super(c, r, v, d); }
    }

    public static FineHeroException from(StatusRuntimeException failure) {
        String reason = "";
        List<FieldViolation> violations = List.of();
        Duration retryAfter = null;
        com.google.rpc.Status details = StatusProto.fromThrowable(failure);
        if (details != null) {
            for (com.google.protobuf.Any any : details.getDetailsList()) {
                try {
                    if (any.is(ErrorInfo.class)) {
                        reason = any.unpack(ErrorInfo.class).getReason();
                    } else if (any.is(BadRequest.class)) {
                        violations = any.unpack(BadRequest.class).getFieldViolationsList().stream()
                                .map(v -> new FieldViolation(v.getField(), v.getDescription())).toList();
                    } else if (any.is(RetryInfo.class)) {
                        var delay = any.unpack(RetryInfo.class).getRetryDelay();
                        retryAfter = Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
                    }
                } catch (InvalidProtocolBufferException ignored) {
                    // a detail we cannot read adds nothing
                }
            }
        }
        return switch (failure.getStatus().getCode()) {
            case NOT_FOUND -> new NotFound(failure, reason, violations, retryAfter);
            case INVALID_ARGUMENT, OUT_OF_RANGE -> new InvalidArgument(failure, reason, violations, retryAfter);
            case FAILED_PRECONDITION -> new FailedPrecondition(failure, reason, violations, retryAfter);
            case ALREADY_EXISTS, ABORTED -> new Conflict(failure, reason, violations, retryAfter);
            case UNAUTHENTICATED -> new Unauthenticated(failure, reason, violations, retryAfter);
            case PERMISSION_DENIED -> new PermissionDenied(failure, reason, violations, retryAfter);
            case RESOURCE_EXHAUSTED -> new RateLimited(failure, reason, violations, retryAfter);
            case UNAVAILABLE, DEADLINE_EXCEEDED -> new Unavailable(failure, reason, violations, retryAfter);
            default -> new Other(failure, reason, violations, retryAfter);
        };
    }
}
