package com.finehero.server.platform.rest;

import java.lang.System.Logger.Level;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.server.platform.rpc.DeadlineInterceptor;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessSocketAddress;

/**
 * A unary RPC of the pipeline's service definitions (interceptors included) run on the calling thread
 * without a transport: the server side of the call is driven here as grpc-java's server drives it
 * (start, ready, the one request, half-close; then complete once the call is closed), and the response,
 * headers and trailers are kept for the HTTP answer. The in-process channel it replaces for unary calls
 * cost the REST bridge a client call, a transport stream and a server stream per request, about a third
 * of a cache-hit GetFine's CPU over REST.
 *
 * <p>The deadline travels as {@code grpc-timeout}, which the pipeline's {@code DeadlineInterceptor}
 * enforces as it does for gRPC clients (a context with the deadline, {@code DEADLINE_EXCEEDED} the
 * moment it passes). The call's remote address is in-process, so the pipeline believes the HTTP
 * client's address the bridge forwards ({@code CallerAddress}), as it did on the in-process channel.
 */
final class DirectUnaryCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {

    private static final System.Logger LOG = System.getLogger(DirectUnaryCall.class.getName());
    private static final InProcessSocketAddress ADDRESS = new InProcessSocketAddress("finehero-rest");
    private static final Attributes ATTRIBUTES = Attributes.newBuilder()
            .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ADDRESS)
            .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ADDRESS)
            .build();
    /** Past the deadline, how long to wait for the pipeline's own deadline answer before giving one. */
    private static final long GRACE_MILLIS = 5_000;

    private final MethodDescriptor<ReqT, RespT> method;
    private final AtomicReference<Metadata> responseHeaders;
    private final AtomicReference<Metadata> responseTrailers;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile RespT response;
    private volatile Status status;
    /** Answered by this class rather than closed by the service (a failure out of it, or no close in time). */
    private volatile boolean cancelled;

    private DirectUnaryCall(MethodDescriptor<ReqT, RespT> method, AtomicReference<Metadata> responseHeaders,
                            AtomicReference<Metadata> responseTrailers) {
        this.method = method;
        this.responseHeaders = responseHeaders;
        this.responseTrailers = responseTrailers;
    }

    /**
     * Runs the call; returns its response, or throws its status as a client would see it (with the
     * trailers), {@code DEADLINE_EXCEEDED} when {@code timeoutMillis} passes first.
     */
    static <ReqT, RespT> RespT run(ServerMethodDefinition<ReqT, RespT> definition, ReqT request, Metadata headers,
                                   long timeoutMillis, AtomicReference<Metadata> responseHeaders,
                                   AtomicReference<Metadata> responseTrailers) {
        DirectUnaryCall<ReqT, RespT> call = new DirectUnaryCall<>(definition.getMethodDescriptor(), responseHeaders, responseTrailers);
        DeadlineInterceptor.setTimeout(headers, timeoutMillis);
        // the server side of a call starts from the root context, as grpc-java's server starts it
        Context previous = Context.ROOT.attach();
        ServerCall.Listener<ReqT> listener = null;
        try {
            listener = definition.getServerCallHandler().startCall(call, headers);
            listener.onReady();
            listener.onMessage(request);
            listener.onHalfClose();
            call.awaitClose(timeoutMillis);
        } catch (RuntimeException | Error e) {
            // what grpc-java's server does with an exception out of the service: UNKNOWN, and the call cancelled
            LOG.log(Level.WARNING, definition.getMethodDescriptor().getFullMethodName() + " failed outside its error handling", e);
            call.cancel(Status.UNKNOWN.withDescription("Application error processing RPC").withCause(e));
        }
        try {
            // as grpc-java's server ends a call: complete once the service closed it, cancelled when it did not
            if (listener != null && call.cancelled) {
                listener.onCancel();
            } else if (listener != null) {
                listener.onComplete();
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, definition.getMethodDescriptor().getFullMethodName() + " failed after it was answered", e);
        } finally {
            Context.ROOT.detach(previous);
        }
        return call.result();
    }

    private void awaitClose(long timeoutMillis) {
        long wait = timeoutMillis > Long.MAX_VALUE - GRACE_MILLIS ? Long.MAX_VALUE : Math.max(0, timeoutMillis) + GRACE_MILLIS;
        try {
            if (!closed.await(wait, TimeUnit.MILLISECONDS)) {
                cancel(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before it finished"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel(Status.CANCELLED.withDescription("interrupted while waiting for the call"));
        }
    }

    /** Answers the call here, the service not having closed it: the call is then cancelled for the service. */
    private synchronized void cancel(Status status) {
        if (closed.getCount() > 0) {
            cancelled = true;
            close(status, new Metadata());
        }
    }

    private RespT result() {
        Status outcome = status;
        if (outcome.isOk() && response != null) {
            return response;
        }
        if (outcome.isOk()) {
            outcome = Status.INTERNAL.withDescription("No value received for unary call");
        }
        throw new StatusRuntimeException(outcome, responseTrailers.get());
    }

    @Override
    public void request(int numMessages) {
        // the one request message is handed over directly
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (closed.getCount() > 0) {
            responseHeaders.compareAndSet(null, headers);
        }
    }

    @Override
    public void sendMessage(RespT message) {
        if (closed.getCount() > 0 && response == null) {
            response = message; // a unary call has one response; grpc-java's client would refuse a second
        }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
        if (closed.getCount() == 0) {
            return;
        }
        this.status = status;
        responseTrailers.set(trailers);
        closed.countDown();
    }

    @Override
    public boolean isReady() {
        return closed.getCount() > 0;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public Attributes getAttributes() {
        return ATTRIBUTES;
    }

    @Override
    public String getAuthority() {
        return ADDRESS.getName();
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
        return method;
    }
}
