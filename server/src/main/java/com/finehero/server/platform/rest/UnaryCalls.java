package com.finehero.server.platform.rest;

import java.util.Objects;

import com.google.protobuf.Message;
import io.grpc.StatusRuntimeException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** A unary RPC over HTTP: the response as one JSON body, or the call's failure as an error body. */
final class UnaryCalls {

    private final BodyCodec codec;
    private final ErrorBodies errors;

    UnaryCalls(BodyCodec codec, ErrorBodies errors) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.errors = Objects.requireNonNull(errors, "errors");
    }

    void call(HttpBinding binding, RpcCall call, Message request, ServerRequest req, ServerResponse res) {
        try {
            Message response = call.unary(request);
            call.copyResponseHeaders(res);
            codec.send(response, binding, req, res);
        } catch (StatusRuntimeException e) {
            errors.callFailed(res, e, call.trailers());
        }
    }
}
