package com.finehero.server.platform.rpc;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;

/**
 * Whatever a service or an interceptor inside this one throws is closed as the status
 * {@link ErrorMapper} chooses, so no exception ever reaches the transport (which would answer
 * UNKNOWN, or nothing at all). Interceptors outside it (request id, tracing, metrics, access log,
 * audit) see the mapped status.
 */
public final class ErrorInterceptor implements ServerInterceptor {

    private final ErrorMapper mapper;

    public ErrorInterceptor(ErrorMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
                                                                 Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        OnceClosingCall<ReqT, RespT> guarded = new OnceClosingCall<>(call);
        // the client half-closes after its messages; only a bidi client may wait for answers first
        boolean clientStillSending = call.getMethodDescriptor().getType() != io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING;
        ServerCall.Listener<ReqT> delegate;
        try {
            delegate = next.startCall(guarded, headers);
        } catch (Throwable failure) {
            // refused before the request was read (credentials, access, rate limit): answer at half-close
            // for the same reason as a failure in onMessage below
            if (!clientStillSending) {
                guarded.fail(failure);
                return new ServerCall.Listener<>() { };
            }
            call.request(Integer.MAX_VALUE);
            return new ServerCall.Listener<>() {
                @Override
                public void onHalfClose() {
                    guarded.fail(failure);
                }
            };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            /** A failure raised while the client is still sending, closed once it has half-closed. */
            private volatile Throwable pending;

            @Override
            public void onMessage(ReqT message) {
                if (pending != null) {
                    return; // the call has failed; drop what the client still sends
                }
                try {
                    if (message instanceof TolerantMarshaller.MalformedRequest malformed) {
                        throw new FineHeroException.InvalidArgument("MALFORMED_REQUEST", malformed.description(), List.of());
                    }
                    super.onMessage(message);
                } catch (Throwable failure) {
                    // Closing the stream before the client's END_STREAM arrives makes Helidon 4.5 answer that
                    // frame with a connection-wide GOAWAY (PROTOCOL_ERROR), failing every call on the
                    // connection; so wait for the half-close when the client has more to send.
                    if (clientStillSending) {
                        pending = failure;
                    } else {
                        guarded.fail(failure);
                    }
                }
            }

            @Override
            public void onHalfClose() {
                if (pending != null) {
                    guarded.fail(pending);
                    return;
                }
                try {
                    super.onHalfClose();
                } catch (Throwable failure) {
                    guarded.fail(failure);
                }
            }

            @Override
            public void onReady() {
                try {
                    super.onReady();
                } catch (Throwable failure) {
                    guarded.fail(failure);
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } catch (RuntimeException ignored) {
                    // the client is gone; there is nobody to tell
                }
            }
        };
    }

    private final class OnceClosingCall<ReqT, RespT>
            extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
        private final AtomicBoolean closed = new AtomicBoolean();

        OnceClosingCall(ServerCall<ReqT, RespT> delegate) {
            super(delegate);
        }

        @Override
        public void close(io.grpc.Status status, Metadata trailers) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            if (status.getCode() == io.grpc.Status.Code.UNKNOWN && status.getCause() != null) {
                // a service passed a raw exception to onError: map it like a thrown one
                StatusRuntimeException mapped = mapper.toGrpc(status.getCause());
                Metadata merged = new Metadata();
                merged.merge(trailers);
                if (mapped.getTrailers() != null) {
                    merged.merge(mapped.getTrailers());
                }
                super.close(mapped.getStatus(), merged);
                return;
            }
            super.close(status, trailers);
        }

        void fail(Throwable failure) {
            StatusRuntimeException mapped = mapper.toGrpc(failure);
            Metadata trailers = mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers();
            try {
                close(mapped.getStatus(), trailers);
            } catch (RuntimeException unwritable) {
                if (mapped.getStatus().getCode() != io.grpc.Status.Code.CANCELLED) {
                    throw unwritable;
                }
                // the client went away (that is what failed): its answer cannot be written either, and there
                // is nobody to tell; thrown on, Helidon would log it as a failed request with its stack trace
            }
        }
    }
}
