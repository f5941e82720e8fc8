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

/**
 * The protovalidate rules the contract declares, checked in one way wherever a request is checked: by the
 * pipeline for every call ({@link ValidationInterceptor}) and by the tasks that build requests of their
 * own (an imported fine, a report's analytics request). Each broken rule is named by its field path.
 */
public final class RequestRules {

    private final Validator validator;

    /** @param validator the contract's rules ({@code ValidatorFactory}), compiled once for the whole server */
    public RequestRules(Validator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    /** The rules {@code message} breaks, each with its field path ("" for the message as a whole); empty when it passes. */
    public List<FieldViolation> violations(Message message) {
        ValidationResult result;
        try {
            result = validator.validate(message);
        } catch (ValidationException e) {
            throw new IllegalStateException("validation rules of " + message.getDescriptorForType().getFullName()
                    + " cannot be evaluated", e);
        }
        if (result.isSuccess()) {
            return List.of();
        }
        List<FieldViolation> violations = new ArrayList<>();
        for (Violation violation : result.getViolations()) {
            build.buf.validate.Violation proto = violation.toProto();
            violations.add(new FieldViolation(proto.hasField() ? path(proto.getField()) : "", proto.getMessage()));
        }
        return violations;
    }

    /** Throws {@link FineHeroException.InvalidArgument} naming every rule {@code message} breaks. */
    public void check(Message message) {
        List<FieldViolation> violations = violations(message);
        if (!violations.isEmpty()) {
            throw new FineHeroException.InvalidArgument("INVALID_FIELD", summary(violations), violations);
        }
    }

    /** The violations on one line: {@code field: description; ...}. */
    public static String summary(List<FieldViolation> violations) {
        return violations.stream()
                .map(v -> v.field().isEmpty() ? v.description() : v.field() + ": " + v.description())
                .collect(Collectors.joining("; "));
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
