package com.finehero.client.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/**
 * Messages to and from the command line: {@code field.path=value} assignments into a request, and a
 * response as a table, JSON or YAML.
 */
final class MessageText {

    private MessageText() {
    }

    /**
     * Adds {@code path=value} to {@code json}, a request in proto3 JSON under construction: {@code path}
     * names fields by their proto names, dotted for nested messages (a map's key follows the map's name);
     * a repeated field collects one value per assignment. Values are JSON strings, which the JSON parser
     * turns into the field's type (numbers, booleans, enum names, timestamps); a message-typed field takes
     * a JSON object or array as is.
     */
    static void assign(JsonObject json, Descriptors.Descriptor message, String path, String value) {
        String[] names = path.split("\\.");
        JsonObject at = json;
        Descriptors.Descriptor type = message;
        for (int i = 0; i < names.length; i++) {
            Descriptors.FieldDescriptor field = field(type, names[i], path);
            boolean last = i == names.length - 1;
            if (field.isMapField()) {
                if (i != names.length - 2) {
                    throw new IllegalArgumentException("'" + path + "': a map field takes exactly one key after its name, e.g. "
                            + field.getName() + ".KEY=VALUE");
                }
                JsonObject map = child(at, field.getName());
                Descriptors.FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
                map.add(names[i + 1], leaf(valueField, value));
                return;
            }
            if (last) {
                JsonElement element = leaf(field, value);
                if (field.isRepeated()) {
                    JsonElement existing = at.get(field.getName());
                    JsonArray values = existing instanceof JsonArray array ? array : new JsonArray();
                    if (element instanceof JsonArray many) {
                        values.addAll(many);
                    } else {
                        values.add(element);
                    }
                    at.add(field.getName(), values);
                } else {
                    at.add(field.getName(), element);
                }
                return;
            }
            if (field.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
                throw new IllegalArgumentException("'" + path + "': " + field.getName() + " is "
                        + (field.isRepeated() ? "a list; give its items with --from-file" : "not a message; it has no fields"));
            }
            at = child(at, field.getName());
            type = field.getMessageType();
        }
    }

    private static Descriptors.FieldDescriptor field(Descriptors.Descriptor type, String name, String path) {
        for (Descriptors.FieldDescriptor field : type.getFields()) {
            if (field.getName().equals(name) || field.getJsonName().equals(name) || field.getName().equals(name.replace('-', '_'))) {
                return field;
            }
        }
        List<String> known = type.getFields().stream().map(Descriptors.FieldDescriptor::getName).toList();
        throw new IllegalArgumentException("'" + path + "': " + type.getName() + " has no field '" + name + "' (fields: "
                + String.join(", ", known) + ")");
    }

    private static JsonObject child(JsonObject at, String name) {
        if (at.get(name) instanceof JsonObject existing) {
            return existing;
        }
        JsonObject created = new JsonObject();
        at.add(name, created);
        return created;
    }

    private static JsonElement leaf(Descriptors.FieldDescriptor field, String value) {
        if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
            String trimmed = value.strip();
            if (trimmed.startsWith("{") || trimmed.startsWith("[") || trimmed.startsWith("\"")) {
                try {
                    return JsonParser.parseString(trimmed);
                } catch (com.google.gson.JsonParseException e) {
                    throw new IllegalArgumentException(field.getName() + ": not JSON: " + e.getMessage());
                }
            }
        }
        return new JsonPrimitive(value);
    }

    /** Merges {@code json} (proto3 JSON) into {@code request}, saying which field was wrong if it does not fit. */
    static void merge(String json, Message.Builder request) {
        try {
            JsonFormat.parser().merge(json, request);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the request does not fit " + request.getDescriptorForType().getName() + ": " + e.getMessage());
        }
    }

    /** The message as proto3 JSON with proto field names, the names {@link #assign} uses. */
    static JsonObject protoNamedJson(MessageOrBuilder message) {
        try {
            return JsonParser.parseString(JsonFormat.printer().preservingProtoFieldNames().print(message)).getAsJsonObject();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lays {@code top} over {@code base}: objects merge field by field, lists grow, other values are replaced. */
    static void overlay(JsonObject base, JsonObject top) {
        for (Map.Entry<String, JsonElement> entry : top.entrySet()) {
            JsonElement below = base.get(entry.getKey());
            if (below instanceof JsonObject object && entry.getValue() instanceof JsonObject over) {
                overlay(object, over);
            } else if (below instanceof JsonArray list && entry.getValue() instanceof JsonArray more) {
                list.addAll(more);
            } else {
                base.add(entry.getKey(), entry.getValue());
            }
        }
    }

    static String json(MessageOrBuilder message) {
        try {
            return JsonFormat.printer().print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static String compactJson(MessageOrBuilder message) {
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The message as a YAML document (strings double-quoted, so no value is misread). */
    static String yaml(MessageOrBuilder message) {
        StringBuilder out = new StringBuilder();
        JsonObject json = JsonParser.parseString(json(message)).getAsJsonObject();
        if (json.isEmpty()) {
            return "{}\n";
        }
        yaml(out, json, 0);
        return out.toString();
    }

    private static void yaml(StringBuilder out, JsonElement element, int indent) {
        String pad = "  ".repeat(indent);
        if (element instanceof JsonObject object) {
            for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
                out.append(pad).append(entry.getKey()).append(':');
                inline(out, entry.getValue(), indent);
            }
        } else if (element instanceof JsonArray array) {
            for (JsonElement item : array) {
                out.append(pad).append('-');
                inline(out, item, indent);
            }
        }
    }

    private static void inline(StringBuilder out, JsonElement value, int indent) {
        if (value instanceof JsonObject object && !object.isEmpty()) {
            out.append('\n');
            yaml(out, value, indent + 1);
        } else if (value instanceof JsonArray array && !array.isEmpty()) {
            out.append('\n');
            yaml(out, value, indent + 1);
        } else if (value instanceof JsonObject) {
            out.append(" {}\n");
        } else if (value instanceof JsonArray) {
            out.append(" []\n");
        } else {
            out.append(' ').append(value.toString()).append('\n');
        }
    }

    /**
     * A message as a table: a list response (one repeated message field) as one row per item, its other
     * fields (such as the next page token) below; anything else as FIELD / VALUE rows, nested fields dotted.
     */
    static void table(PrintWriter out, Message message) {
        JsonObject json = JsonParser.parseString(json(message)).getAsJsonObject();
        List<Descriptors.FieldDescriptor> lists = message.getDescriptorForType().getFields().stream()
                .filter(f -> f.isRepeated() && !f.isMapField() && f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE)
                .toList();
        if (lists.size() == 1) {
            String name = lists.getFirst().getJsonName();
            JsonArray items = json.has(name) ? json.remove(name).getAsJsonArray() : new JsonArray();
            List<Map<String, String>> rows = new ArrayList<>();
            LinkedHashMap<String, Boolean> columns = new LinkedHashMap<>();
            for (JsonElement item : items) {
                Map<String, String> row = flatten(item);
                row.keySet().forEach(k -> columns.put(k, true));
                rows.add(row);
            }
            if (rows.isEmpty()) {
                out.println("no " + lists.getFirst().getName().replace('_', ' '));
            } else {
                Table table = new Table(columns.keySet().stream().map(String::toUpperCase).toArray(String[]::new));
                for (Map<String, String> row : rows) {
                    table.row(columns.keySet().stream().map(c -> row.getOrDefault(c, "")).toArray());
                }
                table.print(out);
            }
            flatten(json).forEach((key, value) -> out.println(key + ": " + value));
            out.flush();
            return;
        }
        Map<String, String> fields = flatten(json);
        if (fields.isEmpty()) {
            out.println("ok (" + message.getDescriptorForType().getName() + " with no fields set)");
            out.flush();
            return;
        }
        Table table = new Table("FIELD", "VALUE");
        fields.forEach(table::row);
        table.print(out);
    }

    /** One line per message of a stream: its fields as key=value. */
    static String line(Message message) {
        JsonObject json = JsonParser.parseString(json(message)).getAsJsonObject();
        List<String> pairs = new ArrayList<>();
        flatten(json).forEach((key, value) -> pairs.add(key + "=" + value.replaceAll("\\s+", " ")));
        return pairs.isEmpty() ? "{}" : String.join("  ", pairs);
    }

    static Map<String, String> flatten(JsonElement element) {
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", element, flat);
        return flat;
    }

    private static void flatten(String prefix, JsonElement element, Map<String, String> flat) {
        if (element instanceof JsonObject object && !object.isEmpty()) {
            for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
                flatten(prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey(), entry.getValue(), flat);
            }
        } else if (element instanceof JsonArray array && array.asList().stream().allMatch(JsonElement::isJsonPrimitive)) {
            flat.put(prefix, String.join(",", array.asList().stream().map(JsonElement::getAsString).toList()));
        } else if (element instanceof JsonPrimitive primitive) {
            flat.put(prefix, primitive.getAsString());
        } else {
            flat.put(prefix, element.toString());
        }
    }
}
