package com.finehero.server.platform.rpc;

import java.util.Objects;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Checks every request message against the protovalidate rules declared in the contract, before the
 * service sees it. A violation becomes INVALID_ARGUMENT with one {@code BadRequest} field violation
 * per broken rule, so the caller learns every problem at once.
 */
public final class ValidationInterceptor implements ServerInterceptor {

    private final RequestRules rules;

    /** @param rules the contract's rules, shared with whatever else checks requests */
    public ValidationInterceptor(RequestRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
                                                                 Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(ReqT message) {
                if (message instanceof Message proto) {
                    rules.check(proto);
                }
                super.onMessage(message);
            }
        };
    }
}
