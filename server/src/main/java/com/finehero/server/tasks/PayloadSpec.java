package com.finehero.server.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * The shape of one task type's payload: which fields it takes, of which kind, which are required.
 * Unknown fields and wrong kinds are refused with a field violation naming {@code payload.<field>}.
 */
public final class PayloadSpec {

    /** The JSON kinds a payload field may have. */
    public enum Kind { STRING, INTEGER, BOOLEAN, STRING_LIST }

    private record Field(Kind kind, boolean required, Pattern pattern, int maxLength) { }

    private final Map<String, Field> fields;

    private PayloadSpec(Map<String, Field> fields) {
        this.fields = Map.copyOf(fields);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static PayloadSpec empty() {
        return builder().build();
    }

    /** Throws INVALID_ARGUMENT listing every problem. */
    public void check(String type, Struct payload) {
        List<FineHeroException.FieldViolation> violations = new ArrayList<>();
        for (Map.Entry<String, Value> entry : payload.getFieldsMap().entrySet()) {
            Field field = fields.get(entry.getKey());
            String name = "payload." + entry.getKey();
            if (field == null) {
                violations.add(new FineHeroException.FieldViolation(name, "is not a field of " + type
                        + " (fields: " + (fields.isEmpty() ? "none" : String.join(", ", fields.keySet().stream().sorted().toList())) + ")"));
                continue;
            }
            String problem = problem(field, entry.getValue());
            if (problem != null) {
                violations.add(new FineHeroException.FieldViolation(name, problem));
            }
        }
        fields.forEach((key, field) -> {
            if (field.required() && !payload.containsFields(key)) {
                violations.add(new FineHeroException.FieldViolation("payload." + key, "is required by " + type));
            }
        });
        if (!violations.isEmpty()) {
            throw new FineHeroException.InvalidArgument("INVALID_PAYLOAD", "the payload does not match task type " + type + ": "
                    + String.join("; ", violations.stream().map(v -> v.field() + " " + v.description()).toList()), violations);
        }
    }

    private static String problem(Field field, Value value) {
        return switch (field.kind()) {
            case STRING -> value.hasStringValue() ? stringProblem(field, value.getStringValue()) : "must be a string";
            case INTEGER -> value.hasNumberValue() && value.getNumberValue() == Math.rint(value.getNumberValue())
                    && Math.abs(value.getNumberValue()) < 1e15 ? null : "must be a whole number";
            case BOOLEAN -> value.hasBoolValue() ? null : "must be true or false";
            case STRING_LIST -> {
                if (!value.hasListValue()) {
                    yield "must be a list of strings";
                }
                for (Value item : value.getListValue().getValuesList()) {
                    String itemProblem = item.hasStringValue() ? stringProblem(field, item.getStringValue()) : "must hold strings only";
                    if (itemProblem != null) {
                        yield itemProblem;
                    }
                }
                yield null;
            }
        };
    }

    private static String stringProblem(Field field, String value) {
        if (value.length() > field.maxLength()) {
            return "is longer than " + field.maxLength() + " characters";
        }
        if (field.pattern() != null && !field.pattern().matcher(value).matches()) {
            return "'" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "' does not match " + field.pattern().pattern();
        }
        return null;
    }

    /** Declares fields one by one. */
    public static final class Builder {
        private final Map<String, Field> fields = new LinkedHashMap<>();

        public Builder string(String name, boolean required, String pattern, int maxLength) {
            fields.put(name, new Field(Kind.STRING, required, pattern == null ? null : Pattern.compile(pattern), maxLength));
            return this;
        }

        public Builder integer(String name, boolean required) {
            fields.put(name, new Field(Kind.INTEGER, required, null, 0));
            return this;
        }

        public Builder bool(String name) {
            fields.put(name, new Field(Kind.BOOLEAN, false, null, 0));
            return this;
        }

        public Builder strings(String name, boolean required, String pattern, int maxLength) {
            fields.put(name, new Field(Kind.STRING_LIST, required, pattern == null ? null : Pattern.compile(pattern), maxLength));
            return this;
        }

        public PayloadSpec build() {
            return new PayloadSpec(fields);
        }
    }
}
