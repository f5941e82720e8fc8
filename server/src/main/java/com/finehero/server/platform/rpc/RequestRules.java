package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import build.buf.protovalidate.ValidationResult;
import build.buf.protovalidate.Validator;
import build.buf.protovalidate.Violation;
import build.buf.protovalidate.exceptions.ValidationException;
import build.buf.validate.FieldPath;
import build.buf.validate.FieldPathElement;
import build.buf.validate.FieldRules;
import build.buf.validate.StringRules;
import build.buf.validate.ValidateProto;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.errors.FineHeroException.FieldViolation;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

/**
 * The protovalidate rules the contract declares, checked in one way wherever a request is checked: by the
 * pipeline for every call ({@link ValidationInterceptor}) and by the tasks that build requests of their
 * own (an imported fine, a report's analytics request). Each broken rule is named by its field path.
 */
public final class RequestRules {

    private final Validator validator;
    private final Map<Descriptor, IdRules> idRules = new ConcurrentHashMap<>();

    /** @param validator the contract's rules ({@code ValidatorFactory}), compiled once for the whole server */
    public RequestRules(Validator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    /** The rules {@code message} breaks, each with its field path ("" for the message as a whole); empty when it passes. */
    public List<FieldViolation> violations(Message message) {
        if (idRules(message.getDescriptorForType()).pass(message)) {
            return List.of();
        }
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

    /**
     * The rules of a message type whose only rules are {@code (buf.validate.field).string.uuid} on plain
     * string fields (a GetFine, a DeleteDocument, most requests that name one record), checked here
     * without protovalidate, which matches a UUID with a regular expression: 2-3% of a cache-hit
     * GetFine's CPU. A message this check does not pass still goes to protovalidate, which names what is
     * wrong, so all the check must do is pass nothing protovalidate would fail.
     *
     * @param ids the id fields, or null for a type with any other rule (protovalidate checks all of it)
     */
    private record IdRules(List<FieldDescriptor> ids) {

        private static final FieldRules UUID_ONLY = FieldRules.newBuilder()
                .setString(StringRules.newBuilder().setUuid(true)).build();
        private static final ExtensionRegistry RULES = rulesRegistry();

        boolean pass(Message message) {
            if (ids == null) {
                return false;
            }
            for (FieldDescriptor id : ids) {
                if (!isUuid((String) message.getField(id))) {
                    return false;
                }
            }
            return true;
        }

        /** Protovalidate's {@code ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$}. */
        static boolean isUuid(String value) {
            if (value.length() != 36) {
                return false;
            }
            for (int i = 0; i < 36; i++) {
                char c = value.charAt(i);
                boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-'
                        : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (!ok) {
                    return false;
                }
            }
            return true;
        }

        static IdRules of(Descriptor type) {
            try {
                // the options as protovalidate reads them: with its extensions known, whichever way the
                // descriptor was built
                if (DescriptorProtos.MessageOptions.parseFrom(type.getOptions().toByteString(), RULES)
                        .hasExtension(ValidateProto.message)) {
                    return new IdRules(null);
                }
                for (OneofDescriptor oneof : type.getOneofs()) {
                    if (DescriptorProtos.OneofOptions.parseFrom(oneof.getOptions().toByteString(), RULES)
                            .hasExtension(ValidateProto.oneof)) {
                        return new IdRules(null);
                    }
                }
                List<FieldDescriptor> ids = new ArrayList<>();
                for (FieldDescriptor field : type.getFields()) {
                    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                        return new IdRules(null); // protovalidate checks a message field's own rules too
                    }
                    DescriptorProtos.FieldOptions options = DescriptorProtos.FieldOptions.parseFrom(
                            field.getOptions().toByteString(), RULES);
                    if (!options.hasExtension(ValidateProto.field)) {
                        continue;
                    }
                    if (!options.getExtension(ValidateProto.field).equals(UUID_ONLY) || field.isRepeated()
                            || field.getJavaType() != FieldDescriptor.JavaType.STRING) {
                        return new IdRules(null);
                    }
                    ids.add(field);
                }
                return new IdRules(List.copyOf(ids));
            } catch (InvalidProtocolBufferException e) {
                return new IdRules(null);
            }
        }

        private static ExtensionRegistry rulesRegistry() {
            ExtensionRegistry registry = ExtensionRegistry.newInstance();
            ValidateProto.registerAllExtensions(registry);
            return registry;
        }
    }

    /** Whether {@code type}'s rules are only ids, checked without protovalidate when they pass (for tests). */
    boolean checksIdsItself(Descriptor type) {
        return idRules(type).ids() != null;
    }

    private IdRules idRules(Descriptor type) {
        // a plain read first: computeIfAbsent may lock the bin even when the type is there
        IdRules known = idRules.get(type);
        return known != null ? known : idRules.computeIfAbsent(type, IdRules::of);
    }
}
