package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import build.buf.protovalidate.ValidationResult;
import build.buf.protovalidate.Validator;
import build.buf.protovalidate.Violation;
import build.buf.protovalidate.exceptions.ValidationException;
import build.buf.validate.FieldPath;
import build.buf.validate.FieldPathElement;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.errors.FineHeroException.FieldViolation;
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

    private final Validator validator;

    /** @param validator the contract's rules ({@code ValidatorFactory}), shared with whatever else checks requests */
    public ValidationInterceptor(Validator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
                                                                 Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(ReqT message) {
                if (message instanceof Message proto) {
                    check(proto);
                }
                super.onMessage(message);
            }
        };
    }

    /** Throws {@link FineHeroException.InvalidArgument} when {@code message} breaks a rule. */
    public void check(Message message) {
        ValidationResult result;
        try {
            result = validator.validate(message);
        } catch (ValidationException e) {
            throw new IllegalStateException("validation rules of " + message.getDescriptorForType().getFullName()
                    + " cannot be evaluated", e);
        }
        if (result.isSuccess()) {
            return;
        }
        List<FieldViolation> violations = new ArrayList<>();
        for (Violation violation : result.getViolations()) {
            build.buf.validate.Violation proto = violation.toProto();
            String field = proto.hasField() ? path(proto.getField()) : "";
            violations.add(new FieldViolation(field, proto.getMessage()));
        }
        String summary = violations.stream()
                .map(v -> v.field().isEmpty() ? v.description() : v.field() + ": " + v.description())
                .collect(Collectors.joining("; "));
        throw new FineHeroException.InvalidArgument("INVALID_FIELD", summary, violations);
    }

    private static String path(FieldPath path) {
        StringBuilder out = new StringBuilder();
        for (FieldPathElement element : path.getElementsList()) {
            if (!out.isEmpty()) {
                out.append('.');
            }
            out.append(element.getFieldName());
            switch (element.getSubscriptCase()) {
                case INDEX -> out.append('[').append(element.getIndex()).append(']');
                case STRING_KEY -> out.append("[\"").append(element.getStringKey()).append("\"]");
                case INT_KEY -> out.append('[').append(element.getIntKey()).append(']');
                case UINT_KEY -> out.append('[').append(element.getUintKey()).append(']');
                case BOOL_KEY -> out.append('[').append(element.getBoolKey()).append(']');
                default -> {
                }
            }
        }
        return out.toString();
    }
}
