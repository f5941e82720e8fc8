package com.finehero.server.platform.errors;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.UUID;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The one place that decides what a failure means to a client. gRPC (through
 * {@code platform.rpc.ErrorInterceptor}) and the REST bridge both ask it, so the same failure has the same code
 * and message on both protocols. Unexpected throwables become {@code INTERNAL} with an error id; the
 * stack trace and the id are logged here, never sent.
 */
public final class ErrorMapper {

    public static final String DOMAIN = "finehero.com";
    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    public Status toStatus(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof FineHeroException known) {
            return fromKnown(known);
        }
        if (clientGone(cause)) {
            // nobody to answer and nothing wrong with the server: not an internal error
            LOG.log(Level.DEBUG, "client went away before its answer was written: " + cause.getMessage());
            return Status.newBuilder()
                    .setCode(Code.CANCELLED_VALUE)
                    .setMessage("the client went away")
                    .build();
        }
        if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
            Status status = StatusProto.fromThrowable(cause);
            if (status != null && (!isInternal(status.getCode()) || isOurs(status))) {
                // a deliberate status, or one FineHero already mapped (the REST bridge sees those again)
                return status;
            }
        }
        String errorId = UUID.randomUUID().toString();
        LOG.log(Level.ERROR, "internal error, id=" + errorId, failure);
        return Status.newBuilder()
                .setCode(Code.INTERNAL_VALUE)
                .setMessage("internal error, id=" + errorId)
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setReason("INTERNAL")
                        .setDomain(DOMAIN)
                        .putMetadata("error_id", errorId)
                        .build()))
                .build();
    }

    /**
     * Helidon failed to write to a stream the client already reset or closed, or to the socket of a
     * connection the client closed (broken pipe, reset, closed channel).
     */
    private static boolean clientGone(Throwable failure) {
        for (Throwable current = failure; current != null; current = current.getCause()) {
            if (current instanceof io.helidon.webserver.CloseConnectionException
                    || current instanceof io.helidon.common.socket.SocketWriterException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isInternal(int code) {
        return code == Code.UNKNOWN_VALUE || code == Code.INTERNAL_VALUE || code == Code.DATA_LOSS_VALUE;
    }

    private static boolean isOurs(Status status) {
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    return DOMAIN.equals(detail.unpack(ErrorInfo.class).getDomain());
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    return false;
                }
            }
        }
        return false;
    }

    public StatusRuntimeException toGrpc(Throwable failure) {
        return StatusProto.toStatusRuntimeException(toStatus(failure));
    }

    private static Status fromKnown(FineHeroException known) {
        Status.Builder status = Status.newBuilder()
                .setCode(known.code().value())
                .setMessage(known.getMessage())
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setReason(known.reason())
                        .setDomain(DOMAIN)
                        .build()));
        switch (known) {
            case FineHeroException.InvalidArgument invalid when !invalid.violations().isEmpty() -> {
                BadRequest.Builder badRequest = BadRequest.newBuilder();
                invalid.violations().forEach(v -> badRequest.addFieldViolations(
                        BadRequest.FieldViolation.newBuilder()
                                .setField(v.field())
                                .setDescription(v.description())));
                status.addDetails(Any.pack(badRequest.build()));
            }
            case FineHeroException.RateLimited limited -> status.addDetails(retryInfo(limited.retryAfter()));
            case FineHeroException.Unavailable unavailable -> status.addDetails(retryInfo(unavailable.retryAfter()));
            default -> {
            }
        }
        return status.build();
    }

    private static Any retryInfo(Duration retryAfter) {
        return Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(retryAfter.toSeconds())
                        .setNanos(retryAfter.toNanosPart()))
                .build());
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable current = failure;
        while ((current instanceof java.util.concurrent.CompletionException
                || current instanceof java.util.concurrent.ExecutionException
                || current instanceof java.lang.reflect.UndeclaredThrowableException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
