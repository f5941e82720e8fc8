package com.finehero.server.platform.rest;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * Builds a request message from an HTTP call by the HTTP rule mapping: the body (the whole request or
 * one field), path variables and query parameters are gathered into one proto3 JSON tree, then
 * {@link JsonFormat} parses it. So a query value follows the proto3 JSON rules exactly: enums by
 * name, timestamps in RFC 3339, FieldMask as a comma list, 64-bit numbers as strings.
 */
final class RequestMapper {

    private static final Set<String> SCALAR_MESSAGES = Set.of(
            "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask",
            "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.BoolValue",
            "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value",
            "google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue");

    private final JsonFormat.Parser parser = JsonFormat.parser();

    /** Parses one JSON document (a body, or one NDJSON line) as an object; 400 says where it broke. */
    static JsonObject parseObject(String json, String what) {
        JsonElement element = parse(json, what);
        if (!element.isJsonObject()) {
            throw RestRequestException.badRequest(what + " must be a JSON object");
        }
        return element.getAsJsonObject();
    }

    /** Parses one JSON value; an empty document is an empty object. */
    static JsonElement parse(String json, String what) {
        if (json.isBlank()) {
            return new JsonObject();
        }
        JsonElement element;
        try {
            element = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            String detail = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
            throw RestRequestException.badRequest("malformed JSON in " + what + ": " + clean(detail));
        }
        return element;
    }

    Message build(HttpBinding binding, Message.Builder builder, JsonElement bodyJson,
                  Map<String, String> pathValues, Map<String, List<String>> query) {
        Descriptors.Descriptor type = builder.getDescriptorForType();
        if (binding.body().isEmpty() && query.isEmpty() && setStringsDirectly(builder, type, pathValues)) {
            return builder.build();
        }
        JsonObject root;
        if (binding.body().equals("*")) {
            if (!bodyJson.isJsonObject()) {
                throw RestRequestException.badRequest("the request body must be a JSON object");
            }
            root = bodyJson.getAsJsonObject();
        } else {
            root = new JsonObject();
            if (!binding.body().isEmpty()) {
                FieldDescriptor bodyField = type.findFieldByName(binding.body());
                root.add(bodyField.getJsonName(), bodyJson);
            }
        }
        for (Map.Entry<String, List<String>> param : query.entrySet()) {
            if (binding.body().equals("*")) {
                throw RestRequestException.badRequest(param.getKey(),
                        "query parameters are not accepted here: the body carries the whole request");
            }
            setPath(root, type, param.getKey(), param.getValue(), "query parameter", binding.body());
        }
        for (Map.Entry<String, String> variable : pathValues.entrySet()) {
            setPath(root, type, variable.getKey(), List.of(variable.getValue()), "path variable", "");
        }
        String problem = merge(root, builder);
        if (problem != null) {
            String field = locate(root, type, "");
            throw field.isEmpty()
                    ? RestRequestException.badRequest("invalid request: " + problem)
                    : RestRequestException.badRequest(field, problem);
        }
        return builder.build();
    }

    /**
     * Sets path variables that each name a singular top-level string field straight on the builder, as
     * JsonFormat would from the tree (a JSON string is taken as it is); false, having set nothing, when
     * any of them is not such a field and must go through the tree. Most reads ({@code GET
     * /v1/fines/{fine_id}}) are answered so, without building, printing and parsing JSON.
     */
    private static boolean setStringsDirectly(Message.Builder builder, Descriptors.Descriptor type, Map<String, String> pathValues) {
        // each field looked up once: a lookup by name builds the field's full name to find it
        FieldDescriptor[] fields = new FieldDescriptor[pathValues.size()];
        int i = 0;
        for (String name : pathValues.keySet()) {
            FieldDescriptor field = type.findFieldByName(name);
            if (field == null || field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.STRING) {
                return false;
            }
            fields[i++] = field;
        }
        i = 0;
        for (String value : pathValues.values()) {
            builder.setField(fields[i++], value);
        }
        return true;
    }

    /** A request from one JSON object alone, e.g. a WebSocket subscribe message's. */
    Message build(Message.Builder builder, JsonObject root) {
        String problem = merge(root, builder);
        if (problem != null) {
            String field = locate(root, builder.getDescriptorForType(), "");
            throw field.isEmpty()
                    ? RestRequestException.badRequest("invalid request: " + problem)
                    : RestRequestException.badRequest(field, problem);
        }
        return builder.build();
    }

    /** Merges the tree; returns JsonFormat's complaint, or null when it parsed. */
    private String merge(JsonObject tree, Message.Builder builder) {
        try {
            parser.merge(tree.toString(), builder);
            return null;
        } catch (InvalidProtocolBufferException e) {
            return clean(e.getMessage());
        } catch (RuntimeException e) {
            // JsonFormat throws unchecked exceptions for some wrong types (e.g. an object for a string)
            return clean(String.valueOf(e.getMessage()));
        }
    }

    /**
     * Finds the deepest field whose value JsonFormat rejects, by merging one member at a time. Runs only
     * after a failure, so a client learns which field was wrong, not just that something was.
     */
    private String locate(JsonObject tree, Descriptors.Descriptor type, String prefix) {
        for (Map.Entry<String, JsonElement> member : tree.entrySet()) {
            JsonObject single = new JsonObject();
            single.add(member.getKey(), member.getValue());
            if (merge(single, com.google.protobuf.DynamicMessage.newBuilder(type)) == null) {
                continue;
            }
            FieldDescriptor field = field(type, member.getKey());
            String path = prefix + (field == null ? member.getKey() : field.getName());
            if (field != null && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()
                    && !field.isMapField() && member.getValue().isJsonObject()
                    && !field.getMessageType().getFullName().startsWith("google.protobuf.")) {
                String deeper = locate(member.getValue().getAsJsonObject(), field.getMessageType(), path + ".");
                return deeper.isEmpty() ? path : deeper;
            }
            return path;
        }
        return "";
    }

    /** Puts {@code values} at a dotted field path (proto or JSON names) in the JSON tree. */
    private static void setPath(JsonObject root, Descriptors.Descriptor type, String path, List<String> values,
                                String role, String bodyField) {
        String[] names = path.split("\\.");
        JsonObject node = root;
        Descriptors.Descriptor current = type;
        for (int i = 0; i < names.length; i++) {
            FieldDescriptor field = field(current, names[i]);
            if (field == null) {
                throw RestRequestException.badRequest(path, "unknown " + role + " (" + current.getName() + " has no field " + names[i] + ")");
            }
            if (i == 0 && !bodyField.isEmpty() && field.getName().equals(bodyField)) {
                throw RestRequestException.badRequest(path, "this field comes from the request body");
            }
            boolean last = i == names.length - 1;
            if (!last) {
                if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()
                        || SCALAR_MESSAGES.contains(field.getMessageType().getFullName())) {
                    throw RestRequestException.badRequest(path, names[i] + " has no sub-fields");
                }
                JsonElement child = node.get(field.getJsonName());
                if (child == null || !child.isJsonObject()) {
                    JsonObject created = new JsonObject();
                    node.add(field.getJsonName(), created);
                    child = created;
                }
                node = child.getAsJsonObject();
                current = field.getMessageType();
                continue;
            }
            if (field.isMapField() || (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && !SCALAR_MESSAGES.contains(field.getMessageType().getFullName()))) {
                throw RestRequestException.badRequest(path, "is a message; set its fields, e.g. " + path + ".<field>");
            }
            if (field.isRepeated()) {
                JsonArray array = new JsonArray();
                values.forEach(v -> array.add(scalar(field, v, path)));
                node.add(field.getJsonName(), array);
            } else {
                if (values.size() != 1) {
                    throw RestRequestException.badRequest(path, "given " + values.size() + " times but takes one value");
                }
                node.add(field.getJsonName(), scalar(field, values.getFirst(), path));
            }
        }
    }

    private static JsonElement scalar(FieldDescriptor field, String value, String path) {
        if (field.getJavaType() == FieldDescriptor.JavaType.BOOLEAN) {
            return switch (value) {
                case "true", "1" -> new JsonPrimitive(true);
                case "false", "0" -> new JsonPrimitive(false);
                default -> throw RestRequestException.badRequest(path, "expected true or false, got '" + value + "'");
            };
        }
        return new JsonPrimitive(value);
    }

    private static FieldDescriptor field(Descriptors.Descriptor type, String name) {
        FieldDescriptor byName = type.findFieldByName(name);
        if (byName != null) {
            return byName;
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJsonName().equals(name)) {
                return field;
            }
        }
        return null;
    }

    /** Keeps parser messages to one line and free of class names. */
    private static String clean(String message) {
        String line = message.lines().findFirst().orElse("");
        return line.replaceAll("(com\\.google\\.gson\\.stream\\.|com\\.google\\.[a-z.]+\\.)[A-Za-z]+Exception: ", "");
    }
}
