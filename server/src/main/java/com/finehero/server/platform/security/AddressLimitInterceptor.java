package com.finehero.server.platform.security;

import java.util.Objects;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessSocketAddress;

/**
 * Charges every gRPC call to its client's address before {@link AuthInterceptor} looks at its
 * credentials ({@link CallGate#chargeAddress}). Calls of the REST bridge arrive in-process and pass:
 * the bridge charged the HTTP client's address before it read the request.
 */
public final class AddressLimitInterceptor implements ServerInterceptor {

    private final CallGate gate;

    public AddressLimitInterceptor(CallGate gate) {
        this.gate = Objects.requireNonNull(gate, "gate");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        if (!(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InProcessSocketAddress)) {
            gate.chargeAddress(CallerAddress.of(call, headers));
        }
        return next.startCall(call, headers);
    }
}
