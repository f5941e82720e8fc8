package com.finehero.server.platform.rest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Streaming RPCs over HTTP: a server stream goes out as Server-Sent Events, or as NDJSON when the
 * client accepts it; a client stream is read from an NDJSON body and answered with one JSON body.
 */
final class StreamingCalls {

    private final BodyCodec codec;
    private final ErrorBodies errors;
    private final Duration timeout;

    StreamingCalls(BodyCodec codec, ErrorBodies errors, Duration timeout) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    void serverStream(HttpBinding binding, RpcCall call, Message request, ServerRequest req, ServerResponse res) {
        StreamFormat format = StreamFormat.accepted(req);
        Iterator<Message> messages = call.serverStream(request);
        boolean started = false;
        try {
            // wait for the first message (or the failure) before committing a 200
            boolean any = messages.hasNext();
            res.header(HeaderNames.CONTENT_TYPE, format.contentType());
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            started = true;
            try (OutputStream out = res.outputStream()) {
                if (any) {
                    do {
                        write(out, format.message(codec.print(messages.next(), binding)));
                    } while (streamHasNext(messages, out, format));
                }
            }
        } catch (StatusRuntimeException e) {
            if (!started) {
                errors.callFailed(res, e, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Advances the stream; a failure after the first message is written as a final error event. */
    private boolean streamHasNext(Iterator<Message> messages, OutputStream out, StreamFormat format) throws IOException {
        try {
            return messages.hasNext();
        } catch (StatusRuntimeException e) {
            write(out, format.error(errors.statusJson(e)));
            return false;
        }
    }

    private static void write(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void clientStream(RouteTable.Match match, RpcCall call, ServerRequest req, ServerResponse res) {
        BodyCodec.NdjsonRequests body = codec.ndjsonRequests(match, call::newRequest, req);
        CompletableFuture<Message> result = new CompletableFuture<>();
        StreamObserver<Message> upload = call.clientStream(new StreamObserver<>() {
            @Override
            public void onNext(Message value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.complete(null);
            }
        });
        try (body) {
            Message next;
            while (!result.isDone() && (next = body.next()) != null) {
                upload.onNext(next);
            }
            upload.onCompleted();
        } catch (IOException e) {
            upload.onError(cancelled("request body unreadable"));
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            if (!result.isDone()) {
                upload.onError(cancelled(e instanceof RestRequestException refused && refused.httpStatus() == 413
                        ? "request too large" : "bad request body"));
            }
            throw e;
        }
        try {
            Message response = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            call.copyResponseHeaders(res);
            codec.send(response, match.binding(), req, res);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException failure) {
                errors.callFailed(res, failure, call.trailers());
            } else {
                throw new IllegalStateException(e.getCause());
            }
        } catch (TimeoutException e) {
            errors.callFailed(res, Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded").asRuntimeException(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static StatusRuntimeException cancelled(String reason) {
        return Status.CANCELLED.withDescription(reason).asRuntimeException();
    }

    /** How a server stream is framed on the wire. */
    private enum StreamFormat {
        SERVER_SENT_EVENTS, NDJSON;

        static StreamFormat accepted(ServerRequest req) {
            boolean ndjson = req.headers().acceptedTypes().stream()
                    .anyMatch(t -> t.mediaType().text().equalsIgnoreCase(BodyCodec.NDJSON));
            return ndjson ? NDJSON : SERVER_SENT_EVENTS;
        }

        String contentType() {
            return this == NDJSON ? BodyCodec.NDJSON : "text/event-stream";
        }

        String message(String json) {
            return this == NDJSON ? json + "\n" : "data: " + json + "\n\n";
        }

        String error(String status) {
            return this == NDJSON ? "{\"error\":" + status + "}\n" : "event: error\ndata: " + status + "\n\n";
        }
    }
}
