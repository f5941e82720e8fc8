package com.finehero.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import com.finehero.server.platform.observe.AnswerTrace;
import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.rpc.CallerDeadline;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * What FineHero keeps on every REST GetFine with authentication off, each done the cheapest way this floor
 * knows, around an answer: the security headers and {@code Vary}; the caller's request id when it is sane,
 * else a new one, in {@code x-request-id}; the caller's trace continued with a new span, or a new trace, in
 * {@code traceparent} (FineHero's own code, {@link AnswerTrace}); a fine id that is not a UUID refused with
 * 400; the call's deadline (a timer per call on one thread, cancelled when the call ends), answered 504 when
 * it passes first; the call counted and timed in a Prometheus histogram by status and in an HdrHistogram for
 * a window's percentiles. No interceptors, no gRPC context, no in-process call on REST: what is left between
 * this and FineHero is FineHero's pipeline.
 *
 * <p>Over gRPC ({@link #grpc()}) it keeps what FineHero keeps there with authentication off, in one
 * interceptor with one wrapper of the call: the request id and {@code traceparent} in the answer's headers
 * (its trailers when the answer is trailers only), the caller's {@code grpc-timeout} answered
 * DEADLINE_EXCEEDED when it passes first (FineHero sets no deadline of its own on gRPC, the caller's is the
 * call's), and the call counted and timed as above with protocol {@code grpc}. The id check is the
 * service's ({@link #isUuid}, INVALID_ARGUMENT). No gRPC context and no security headers: FineHero answers
 * gRPC without them.
 */
final class CallGuarantees implements AutoCloseable {

    /** What the REST route answers: a status and a body, JSON when {@code json}. */
    record Reply(Status status, byte[] body, boolean json) { }

    private static final List<Header> EVERY_ANSWER = List.of(
            HeaderValues.createCached(HeaderNames.create("X-Content-Type-Options"), "nosniff"),
            HeaderValues.createCached(HeaderNames.create("X-Frame-Options"), "DENY"),
            HeaderValues.createCached(HeaderNames.create("Referrer-Policy"), "no-referrer"),
            HeaderValues.createCached(HeaderNames.create("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'"),
            HeaderValues.createCached(HeaderNames.VARY, "Accept-Encoding"));
    private static final Reply NOT_A_UUID = new Reply(Status.BAD_REQUEST_400, "fine_id must be a UUID".getBytes(), false);
    private static final Reply TIMED_OUT = new Reply(Status.GATEWAY_TIMEOUT_504, "the call's deadline passed".getBytes(), false);
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-request-id");
    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    private static final Metadata.Key<String> GRPC_TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
    private static final String GET_FINE = "finehero.fines.v1.FinesService/GetFine";
    private static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final long timeoutNanos;
    private final ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().daemon().name("floor-deadlines").factory());
    private final Timer answeredOk = timer(GET_FINE, "rest", "OK");
    private final Timer refused = timer(GET_FINE, "rest", "INVALID_ARGUMENT");
    /** 503 and 504 alike: the floor answers no other failure. */
    private final Timer failed = timer(GET_FINE, "rest", "UNAVAILABLE");
    /** gRPC's timers by method, each by status code ({@link io.grpc.Status.Code#value()}). */
    private final Map<String, Timer[]> grpcTimers = new ConcurrentHashMap<>();
    private final LongAdder calls = new LongAdder();
    private final ConcurrentHistogram window = new ConcurrentHistogram(3);

    CallGuarantees(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        deadlines.setRemoveOnCancelPolicy(true);
    }

    /** Serves one call: {@code answer} makes the reply, unless the deadline answers first. */
    void serve(ServerRequest request, ServerResponse response, Supplier<Reply> answer) {
        long start = System.nanoTime();
        for (Header header : EVERY_ANSWER) {
            response.header(header);
        }
        response.header(REQUEST_ID, RequestContext.requestIdFor(request.headers().first(REQUEST_ID).orElse(null)));
        response.header(TRACEPARENT, AnswerTrace.traceparent(request.headers().first(TRACEPARENT).orElse(null)));
        Reply sent;
        if (!isUuid(request.path().pathParameters().get("fineId"))) {
            sent = NOT_A_UUID;
            send(response, sent);
        } else {
            AtomicBoolean answered = new AtomicBoolean();
            ScheduledFuture<?> deadline = deadlines.schedule(() -> {
                if (answered.compareAndSet(false, true)) {
                    send(response, TIMED_OUT);
                }
            }, timeoutNanos, TimeUnit.NANOSECONDS);
            try {
                Reply reply = answer.get();
                sent = answered.compareAndSet(false, true) ? reply : TIMED_OUT;
                if (sent == reply) {
                    send(response, reply);
                }
            } finally {
                deadline.cancel(false);
            }
        }
        count(sent.status() == Status.OK_200 ? answeredOk : sent.status() == Status.BAD_REQUEST_400 ? refused : failed,
                System.nanoTime() - start);
    }

    /** A call ended after {@code nanos}: timed into {@code timer}, counted, and recorded in the window's percentiles. */
    private void count(Timer timer, long nanos) {
        timer.record(nanos, TimeUnit.NANOSECONDS);
        calls.increment();
        window.recordValue(Math.max(1, nanos));
    }

    /** The gRPC side: one interceptor that keeps the guarantees above on every call of the services it wraps. */
    ServerInterceptor grpc() {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                return next.startCall(new GuardedCall<>(call, headers), headers);
            }
        };
    }

    /** A gRPC call with its request id, trace, deadline and meters; the deadline and the service may both close it, the first wins. */
    private final class GuardedCall<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
        private final long start = System.nanoTime();
        private final String requestId;
        private final String traceparent;
        private final ScheduledFuture<?> deadline;
        private boolean headersSent;
        private boolean closed;

        GuardedCall(ServerCall<Q, A> call, Metadata headers) {
            super(call);
            requestId = RequestContext.requestIdFor(headers.get(RequestContext.REQUEST_ID_HEADER));
            traceparent = AnswerTrace.traceparent(headers.get(GRPC_TRACEPARENT));
            long timeout = CallerDeadline.nanos(headers.get(GRPC_TIMEOUT));
            deadline = timeout < 0 ? null : deadlines.schedule(() -> close(io.grpc.Status.DEADLINE_EXCEEDED
                    .withDescription("the call's deadline passed before it finished"), new Metadata()), timeout, TimeUnit.NANOSECONDS);
        }

        @Override
        public synchronized void sendHeaders(Metadata answer) {
            if (!closed) {
                headersSent = true;
                answer.put(RequestContext.REQUEST_ID_HEADER, requestId);
                answer.put(GRPC_TRACEPARENT, traceparent);
                super.sendHeaders(answer);
            }
        }

        @Override
        public synchronized void sendMessage(A message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(io.grpc.Status status, Metadata trailers) {
            if (closed) {
                return;
            }
            closed = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (!headersSent) {
                trailers.put(RequestContext.REQUEST_ID_HEADER, requestId);
                trailers.put(GRPC_TRACEPARENT, traceparent);
            }
            count(grpcTimers.computeIfAbsent(getMethodDescriptor().getFullMethodName(), CallGuarantees::grpcTimers)[status.getCode().value()],
                    System.nanoTime() - start);
            super.close(status, trailers);
        }
    }

    /** Calls served so far. */
    long calls() {
        return calls.sum();
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
    }

    /** Sends {@code reply} as the answer. */
    static void send(ServerResponse response, Reply reply) {
        response.status(reply.status());
        if (reply.json()) {
            response.header(HeaderValues.CONTENT_TYPE_JSON);
        }
        response.send(reply.body());
    }

    /**
     * 8-4-4-4-12 ASCII hexadecimal digits, either case, as FineHero's own check and protovalidate's
     * {@code string.uuid} take them (not {@link Character#digit}, which also takes other scripts' digits).
     */
    static boolean isUuid(String id) {
        if (id == null || id.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-'
                    : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static Timer[] grpcTimers(String method) {
        io.grpc.Status.Code[] codes = io.grpc.Status.Code.values();
        Timer[] timers = new Timer[codes.length];
        for (io.grpc.Status.Code code : codes) {
            timers[code.value()] = timer(method, "grpc", code.name());
        }
        return timers;
    }

    private static Timer timer(String method, String protocol, String code) {
        return Metrics.globalRegistry().getOrCreate(Timer.builder("finehero.rpc.server.duration")
                .description("Time to answer an RPC, by method, protocol and status code")
                .buckets(BUCKETS)
                .percentiles(new double[0])
                .tags(List.of(Tag.create("method", method), Tag.create("protocol", protocol), Tag.create("code", code))));
    }
}
