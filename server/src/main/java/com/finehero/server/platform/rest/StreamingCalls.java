package com.finehero.server.platform.rest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
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
    /** How long a server stream waits for its first message (or its refusal) before sending headers without it. */
    static final Duration FIRST_MESSAGE_WAIT = Duration.ofMillis(500);

    private final Duration timeout;
    private final Duration heartbeat;

    StreamingCalls(BodyCodec codec, ErrorBodies errors, Duration timeout, Duration heartbeat) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
    }

    /**
     * Sends a server stream. The call runs on a thread of its own (the in-process channel runs a service
     * method on the thread that starts it, and a watch's method blocks for as long as it watches) and
     * hands messages over within a small window ({@link RpcCall#STREAM_WINDOW}): one more is asked for
     * each time one is written, so a slow HTTP client slows the watcher, whose own bounded queue decides
     * what happens next.
     *
     * <p>A failure that comes before anything else (refused, not found, too many streams) is answered
     * with its HTTP status. Otherwise headers go out once the first message arrives or after
     * {@link #FIRST_MESSAGE_WAIT}, whichever comes first, then every message, and a comment line
     * (SSE) or empty line (NDJSON) every heartbeat while there is nothing to send. A message with an
     * int64 {@code id} field is sent with an SSE {@code id:} line; a request with an int64
     * {@code after_event_id} field takes a {@code Last-Event-ID} header as its value. The stream ends
     * when the call does, when the client goes away (the call is cancelled), or at
     * {@code finehero.rest.stream-lifetime} (the call's deadline), which ends it normally.
     */
    void serverStream(HttpBinding binding, RpcCall call, Message request, ServerRequest req, ServerResponse res) {
        StreamFormat format = StreamFormat.accepted(req);
        Message resumed = withLastEventId(request, req);
        Arrivals arrivals = new Arrivals();
        Thread.ofVirtual().name("finehero-rest-stream").start(() -> call.serverStream(resumed, arrivals));
        try {
            Object first = arrivals.next(FIRST_MESSAGE_WAIT);
            if (first instanceof StatusRuntimeException failure) {
                errors.callFailed(res, failure, call.trailers());
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, format.contentType());
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.header(HeaderNames.create("X-Accel-Buffering"), "no");
            try (OutputStream out = res.outputStream()) {
                Object next = first;
                while (true) {
                    if (next == null) {
                        write(out, format.heartbeat());
                    } else if (next instanceof Message message) {
                        write(out, format.message(codec.print(message, binding), eventId(message)));
                        arrivals.requestNext();
                    } else if (next instanceof StatusRuntimeException failure) {
                        if (failure.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                            write(out, format.error(errors.statusJson(failure)));
                        }
                        return;
                    } else {
                        return; // completed
                    }
                    next = arrivals.next(heartbeat);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away: stop the watch behind it
            arrivals.cancel("the HTTP client went away");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            arrivals.cancel("the server is stopping");
        } catch (RuntimeException e) {
            arrivals.cancel("the stream failed");
            throw e;
        }
    }

    /** The request with Last-Event-ID as its after_event_id, when it has such a field and the header is a number. */
    private static Message withLastEventId(Message request, ServerRequest req) {
        Descriptors.FieldDescriptor after = EventPositions.afterField(request);
        if (after == null || ((Long) request.getField(after)) != 0) {
            return request;
        }
        return req.headers().first(HeaderNames.create("Last-Event-ID"))
                .filter(id -> id.matches("[0-9]{1,18}"))
                .map(id -> EventPositions.resumedAfter(request, Long.parseLong(id)))
                .orElse(request);
    }

    /** The message's int64 {@code id}, for the SSE id: line; empty when it has none. */
    private static String eventId(Message message) {
        long value = EventPositions.idOf(message);
        return value > 0 ? Long.toString(value) : "";
    }

    /** What the stream's call hands over: messages, then a failure or the end; at most a window of them waiting. */
    private static final class Arrivals implements ClientResponseObserver<Message, Message> {
        private static final Object COMPLETED = new Object();
        private final LinkedBlockingQueue<Object> items = new LinkedBlockingQueue<>();
        private volatile ClientCallStreamObserver<Message> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
            this.call = requestStream;
            requestStream.disableAutoRequestWithInitial(RpcCall.STREAM_WINDOW);
        }

        @Override
        public void onNext(Message value) {
            items.add(value);
        }

        @Override
        public void onError(Throwable t) {
            items.add(t instanceof StatusRuntimeException failure ? failure : Status.fromThrowable(t).asRuntimeException());
        }

        @Override
        public void onCompleted() {
            items.add(COMPLETED);
        }

        /** The next item, or null if none came within {@code wait}. */
        Object next(Duration wait) throws InterruptedException {
            return items.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        void requestNext() {
            ClientCallStreamObserver<Message> current = call;
            if (current != null) {
                current.request(1);
            }
        }

        void cancel(String why) {
            ClientCallStreamObserver<Message> current = call;
            if (current != null) {
                current.cancel(why, null);
            }
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

        String message(String json, String id) {
            if (this == NDJSON) {
                return json + "\n";
            }
            return (id.isEmpty() ? "" : "id: " + id + "\n") + "data: " + json + "\n\n";
        }

        /** Keeps an idle stream open: an SSE comment, or an empty NDJSON line (readers skip both). */
        String heartbeat() {
            return this == NDJSON ? "\n" : ": heartbeat\n\n";
        }

        String error(String status) {
            return this == NDJSON ? "{\"error\":" + status + "}\n" : "event: error\ndata: " + status + "\n\n";
        }
    }
}
