package com.finehero.server.platform.rest;

import java.util.List;
import java.util.Map;

import com.finehero.server.platform.errors.FineHeroException;

/**
 * A request the bridge refuses before any RPC runs, with the HTTP status it deserves where the gRPC
 * table has no equivalent (413, 415, 405). The body is still a google.rpc.Status.
 */
final class RestRequestException extends RuntimeException {

    private final int httpStatus;
    private final FineHeroException status;
    private final Map<String, String> headers;

    RestRequestException(int httpStatus, FineHeroException status) {
        this(httpStatus, status, Map.of());
    }

    RestRequestException(int httpStatus, FineHeroException status, Map<String, String> headers) {
        super(status.getMessage(), null, false, false);
        this.httpStatus = httpStatus;
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    /** Extra response headers, e.g. Allow on a 405. */
    Map<String, String> headers() {
        return headers;
    }

    static RestRequestException badRequest(String field, String description) {
        return new RestRequestException(400, FineHeroException.invalidField(field, description));
    }

    static RestRequestException badRequest(String message) {
        return new RestRequestException(400,
                new FineHeroException.InvalidArgument("INVALID_REQUEST", message, List.of()));
    }

    int httpStatus() {
        return httpStatus;
    }

    FineHeroException status() {
        return status;
    }
}
