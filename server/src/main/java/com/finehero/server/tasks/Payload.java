package com.finehero.server.tasks;

import java.util.List;
import java.util.Objects;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/** Typed reads of a payload that its {@link PayloadSpec} already checked. */
public record Payload(Struct struct) {

    public Payload {
        Objects.requireNonNull(struct, "struct");
    }

    public String string(String name, String fallback) {
        Value value = struct.getFieldsMap().get(name);
        return value == null || !value.hasStringValue() ? fallback : value.getStringValue();
    }

    public long integer(String name, long fallback) {
        Value value = struct.getFieldsMap().get(name);
        return value == null || !value.hasNumberValue() ? fallback : (long) value.getNumberValue();
    }

    public boolean bool(String name, boolean fallback) {
        Value value = struct.getFieldsMap().get(name);
        return value == null || !value.hasBoolValue() ? fallback : value.getBoolValue();
    }

    public List<String> strings(String name) {
        Value value = struct.getFieldsMap().get(name);
        if (value == null || !value.hasListValue()) {
            return List.of();
        }
        return value.getListValue().getValuesList().stream().map(Value::getStringValue).toList();
    }

    public boolean has(String name) {
        return struct.containsFields(name);
    }
}
