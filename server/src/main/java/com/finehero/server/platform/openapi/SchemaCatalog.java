package com.finehero.server.platform.openapi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.api.FieldBehavior;
import com.google.api.FieldBehaviorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

/**
 * JSON Schemas of protobuf types as proto3 JSON prints them (the REST bridge uses JsonFormat), collected
 * into {@code components.schemas} under each type's full name as they are referenced. Well-known types
 * are written inline in their JSON form (a Timestamp is an RFC 3339 string, not an object).
 */
final class SchemaCatalog {

    static final String STATUS = "google.rpc.Status";
    private static final String ANY = "google.protobuf.Any";

    private final ContractComments comments;
    private final Map<String, Map<String, Object>> schemas = new TreeMap<>();

    SchemaCatalog(ContractComments comments) {
        this.comments = comments;
    }

    /** The collected component schemas, by full name. */
    Map<String, Object> schemas() {
        return new LinkedHashMap<>(schemas);
    }

    /** A message as a request or response: a reference, or the JSON form of a well-known type. */
    Map<String, Object> message(Descriptor type) {
        if (type.getFullName().equals(ANY)) {
            return any();
        }
        Map<String, Object> wellKnown = wellKnown(type.getFullName());
        if (wellKnown != null) {
            return wellKnown;
        }
        if (!schemas.containsKey(type.getFullName())) {
            // registered before its fields are walked, so a message that contains itself ends in a $ref
            Map<String, Object> schema = new LinkedHashMap<>();
            schemas.put(type.getFullName(), schema);
            schema.put("type", "object");
            describe(schema, comments.of(type));
            schema.put("properties", properties(type, Set.of()));
        }
        return ref(type.getFullName());
    }

    /** The properties of a message by JSON name, leaving out the named proto fields. */
    Map<String, Object> properties(Descriptor type, Set<String> leftOut) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (FieldDescriptor field : type.getFields()) {
            if (!leftOut.contains(field.getName())) {
                properties.put(field.getJsonName(), property(field));
            }
        }
        return properties;
    }

    /** A field as a property: its (repeated or map) schema, its comment, and readOnly if output-only. */
    Map<String, Object> property(FieldDescriptor field) {
        Map<String, Object> schema = field(field);
        describe(schema, comments.of(field));
        if (field.getOptions().getExtension(FieldBehaviorProto.fieldBehavior).contains(FieldBehavior.OUTPUT_ONLY)) {
            schema.put("readOnly", true);
        }
        return schema;
    }

    /** A field's schema: an array for a repeated field, an object for a map, else {@link #value}. */
    Map<String, Object> field(FieldDescriptor field) {
        if (field.isMapField()) {
            Map<String, Object> schema = new LinkedHashMap<>();
            schema.put("type", "object");
            schema.put("additionalProperties", value(field.getMessageType().findFieldByName("value")));
            return schema;
        }
        if (field.isRepeated()) {
            Map<String, Object> schema = new LinkedHashMap<>();
            schema.put("type", "array");
            schema.put("items", value(field));
            return schema;
        }
        return value(field);
    }

    /** One value of a field, ignoring repetition. */
    Map<String, Object> value(FieldDescriptor field) {
        return switch (field.getType()) {
            case INT32, SINT32, SFIXED32, UINT32, FIXED32 -> typed("integer", "int32");
            // proto3 JSON prints 64-bit integers as strings: JavaScript numbers lose precision above 2^53
            case INT64, SINT64, SFIXED64, UINT64, FIXED64 -> typed("string", "int64");
            case FLOAT -> typed("number", "float");
            case DOUBLE -> typed("number", "double");
            case BOOL -> typed("boolean", null);
            case STRING -> typed("string", null);
            case BYTES -> typed("string", "byte");
            case ENUM -> enumeration(field.getEnumType());
            case MESSAGE, GROUP -> message(field.getMessageType());
        };
    }

    /** Whether a message is written as one JSON value (one query parameter), not as an object of fields. */
    static boolean isWellKnown(Descriptor type) {
        return type.getFullName().equals(ANY) || wellKnown(type.getFullName()) != null;
    }

    /** google.rpc.Status as the REST bridge writes an error: code, message and typed details. */
    Map<String, Object> status() {
        if (!schemas.containsKey(STATUS)) {
            Map<String, Object> properties = new LinkedHashMap<>();
            properties.put("code", described(typed("integer", "int32"), "The gRPC status code, e.g. 5 for NOT_FOUND."));
            properties.put("message", described(typed("string", null), "A message for developers; safe to show."));
            Map<String, Object> details = typed("array", null);
            details.put("items", any());
            properties.put("details", described(details,
                    "Machine-readable details: google.rpc.ErrorInfo (reason), BadRequest (field violations), RetryInfo."));
            Map<String, Object> schema = described(typed("object", null), "An error, as google.rpc.Status in proto3 JSON.");
            schema.put("properties", properties);
            schemas.put(STATUS, schema);
        }
        return ref(STATUS);
    }

    private Map<String, Object> enumeration(EnumDescriptor type) {
        if (type.getFullName().equals("google.protobuf.NullValue")) {
            return typed("null", null);
        }
        if (!schemas.containsKey(type.getFullName())) {
            Map<String, Object> schema = typed("string", null);
            schema.put("enum", type.getValues().stream().map(EnumValueDescriptor::getName).toList());
            describe(schema, enumDescription(type));
            schemas.put(type.getFullName(), schema);
        }
        return ref(type.getFullName());
    }

    /** OpenAPI cannot describe single enum values, so their comments become a list in the enum's text. */
    private String enumDescription(EnumDescriptor type) {
        String values = type.getValues().stream()
                .filter(value -> !comments.of(value).isEmpty())
                .map(value -> "- `" + value.getName() + "`: " + comments.of(value).replace('\n', ' '))
                .collect(Collectors.joining("\n"));
        return Stream.of(comments.of(type), values).filter(text -> !text.isEmpty()).collect(Collectors.joining("\n\n"));
    }

    private Map<String, Object> any() {
        if (!schemas.containsKey(ANY)) {
            Map<String, Object> type = described(typed("string", null),
                    "The type URL, e.g. type.googleapis.com/google.rpc.ErrorInfo.");
            Map<String, Object> schema = described(typed("object", null),
                    "Any message, with its type URL in @type and its own fields beside it.");
            schema.put("properties", new LinkedHashMap<>(Map.of("@type", type)));
            schema.put("required", List.of("@type"));
            schema.put("additionalProperties", true);
            schemas.put(ANY, schema);
        }
        return ref(ANY);
    }

    /** The JSON form of a well-known type, or null if the type is an ordinary message. */
    private static Map<String, Object> wellKnown(String fullName) {
        return switch (fullName) {
            case "google.protobuf.Timestamp" -> typed("string", "date-time");
            case "google.protobuf.Duration" -> described(typed("string", null),
                    "Seconds with up to 9 fractional digits and an 's' suffix, e.g. \"1.5s\".");
            case "google.protobuf.FieldMask" -> described(typed("string", null),
                    "Comma-separated field paths in lowerCamelCase, e.g. \"amount,dueTime\".");
            case "google.protobuf.DoubleValue" -> typed("number", "double");
            case "google.protobuf.FloatValue" -> typed("number", "float");
            case "google.protobuf.Int64Value", "google.protobuf.UInt64Value" -> typed("string", "int64");
            case "google.protobuf.Int32Value", "google.protobuf.UInt32Value" -> typed("integer", "int32");
            case "google.protobuf.BoolValue" -> typed("boolean", null);
            case "google.protobuf.StringValue" -> typed("string", null);
            case "google.protobuf.BytesValue" -> typed("string", "byte");
            case "google.protobuf.Struct", "google.protobuf.Empty" -> typed("object", null);
            case "google.protobuf.ListValue" -> {
                Map<String, Object> list = typed("array", null);
                list.put("items", new LinkedHashMap<>());
                yield list;
            }
            case "google.protobuf.Value" -> new LinkedHashMap<>(); // any JSON value
            default -> null;
        };
    }

    private static Map<String, Object> ref(String name) {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("$ref", "#/components/schemas/" + name);
        return ref;
    }

    private static Map<String, Object> typed(String type, String format) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", type);
        if (format != null) {
            schema.put("format", format);
        }
        return schema;
    }

    private static Map<String, Object> described(Map<String, Object> schema, String description) {
        describe(schema, description);
        return schema;
    }

    /** Sets the description, keeping the one a well-known type already has after the field's own. */
    static void describe(Map<String, Object> schema, String description) {
        if (description.isEmpty()) {
            return;
        }
        Object existing = schema.get("description");
        schema.put("description", existing == null ? description : description + "\n\n" + existing);
    }
}
