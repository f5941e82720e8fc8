package com.finehero.container;

import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

/** Just enough JSON for the results file: maps, lists, numbers, strings. */
final class Json {

    private Json() {
    }

    static String write(Object value) {
        return write(value, "");
    }

    private static String write(Object value, String indent) {
        String inner = indent + "  ";
        if (value instanceof Map<?, ?> map) {
            return map.isEmpty() ? "{}" : map.entrySet().stream()
                    .map(entry -> inner + quote(entry.getKey().toString()) + ": " + write(entry.getValue(), inner))
                    .collect(Collectors.joining(",\n", "{\n", "\n" + indent + "}"));
        }
        if (value instanceof Collection<?> list) {
            return list.stream().map(item -> write(item, inner)).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return value == null ? "null" : quote(value.toString());
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
