package com.finehero.server.platform.rest;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.errors.HttpStatusMapping;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;

/**
 * Every REST error is a google.rpc.Status as JSON, from {@link ErrorMapper}, under the HTTP status
 * {@link HttpStatusMapping} gives its code, or the one a refused request names (404, 405, 413, 415,
 * 501). Rate limits and unavailability add Retry-After.
 */
final class ErrorBodies {

    private final ErrorMapper errors;
    private final JsonMessages json;

    ErrorBodies(ErrorMapper errors, JsonMessages json) {
        this.errors = Objects.requireNonNull(errors, "errors");
        this.json = Objects.requireNonNull(json, "json");
    }

    /** A request refused before any RPC ran. */
    void refused(ServerResponse res, RestRequestException refusal) {
        send(res, refusal.httpStatus(), errors.toStatus(refusal.status()), refusal.headers());
    }

    /** Anything else that went wrong outside the call. */
    void failed(ServerResponse res, RuntimeException failure) {
        Status status = errors.toStatus(failure);
        Map<String, String> extra = new LinkedHashMap<>();
        retryAfter(status).ifPresent(seconds -> extra.put("Retry-After", Long.toString(seconds)));
        send(res, httpStatus(status), status, extra);
    }

    /** A failed call; its trailers, if any arrived, go out as headers too. */
    void callFailed(ServerResponse res, StatusRuntimeException failure, Metadata trailers) {
        Status status = errors.toStatus(failure);
        Map<String, String> extra = new LinkedHashMap<>();
        retryAfter(status).ifPresent(seconds -> extra.put("Retry-After", Long.toString(seconds)));
        ForwardedHeaders.copyToResponse(trailers, res);
        send(res, httpStatus(status), status, extra);
    }

    /** A failure as status JSON, for the error event that ends a stream already under way (or a WebSocket's). */
    String statusJson(RuntimeException failure) {
        return json.printStatus(errors.toStatus(failure));
    }

    private static int httpStatus(Status status) {
        return HttpStatusMapping.httpStatus(io.grpc.Status.Code.values()[status.getCode()]);
    }

    private static Optional<Long> retryAfter(Status status) {
        int code = status.getCode();
        if (code != io.grpc.Status.Code.RESOURCE_EXHAUSTED.value() && code != io.grpc.Status.Code.UNAVAILABLE.value()) {
            return Optional.empty();
        }
        long seconds = 1;
        for (var detail : status.getDetailsList()) {
            if (detail.is(RetryInfo.class)) {
                try {
                    var delay = detail.unpack(RetryInfo.class).getRetryDelay();
                    seconds = Math.max(1, delay.getSeconds() + (delay.getNanos() > 0 ? 1 : 0));
                } catch (InvalidProtocolBufferException ignored) {
                    // keep the default
                }
            }
        }
        return Optional.of(seconds);
    }

    private void send(ServerResponse res, int httpStatus, Status status, Map<String, String> headers) {
        if (res.isSent()) {
            return;
        }
        res.status(httpStatus);
        headers.forEach(res::header);
        res.header(HeaderNames.CONTENT_TYPE, BodyCodec.JSON);
        res.send(json.printStatus(status).getBytes(StandardCharsets.UTF_8));
    }
}
