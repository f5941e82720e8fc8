package com.finehero.server.platform.rest;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * Prints messages as {@code fallback} (a compact {@link JsonFormat} printer with the default options)
 * prints them, character for character, at a fraction of the cost: a REST response's JSON took about a
 * sixth of a cache-hit GetFine's CPU with {@code JsonFormat}, which builds a sorted map of every message's
 * fields, concatenates a string per field, escapes each string value through a new Gson writer, and
 * prints a Timestamp by serialising it, parsing it back and formatting it with {@code SimpleDateFormat}.
 * Here each message type's fields are listed once, in field-number order with their quoted JSON names,
 * and everything is appended to one builder.
 *
 * <p>The types whose JSON form is not an object of their fields and that FineHero's API rarely carries
 * (Any, Struct, Value, ListValue, FieldMask, Duration, messages with extensions, timestamps out of
 * range) are printed by {@code fallback} itself. {@code JsonPrinterTest} holds the two to the same
 * output over every message of the contract, filled at random. Enum values are printed by their names:
 * the contract gives none a JSON name of its own (an edition 2026 option JsonFormat would print instead).
 */
final class JsonPrinter {

    private static final Set<String> DELEGATED = Set.of("google.protobuf.Any", "google.protobuf.Struct",
            "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.FieldMask", "google.protobuf.Duration");
    private static final Set<String> WRAPPERS = Set.of("google.protobuf.BoolValue", "google.protobuf.Int32Value",
            "google.protobuf.UInt32Value", "google.protobuf.Int64Value", "google.protobuf.UInt64Value",
            "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.FloatValue",
            "google.protobuf.DoubleValue");
    private static final String TIMESTAMP = "google.protobuf.Timestamp";
    /** Timestamps.toString's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final String[] ASCII_REPLACEMENTS = asciiReplacements();

    private final JsonFormat.Printer fallback;
    private final Map<Descriptor, Field[]> layouts = new ConcurrentHashMap<>();

    /** A field in print order, with its name as it is printed ({@code "jsonName":}). */
    private record Field(FieldDescriptor descriptor, String prefix) {
    }

    /** @param fallback the printer whose output this one reproduces, used for the types it leaves to it */
    JsonPrinter(JsonFormat.Printer fallback) {
        this.fallback = fallback;
    }

    String print(Message message) throws InvalidProtocolBufferException {
        StringBuilder out = new StringBuilder(512);
        message(out, message);
        return out.toString();
    }

    private void message(StringBuilder out, Message message) throws InvalidProtocolBufferException {
        Descriptor type = message.getDescriptorForType();
        String name = type.getFullName();
        if (name.startsWith("google.protobuf.")) {
            if (name.equals(TIMESTAMP)) {
                timestamp(out, message);
                return;
            }
            if (WRAPPERS.contains(name)) {
                FieldDescriptor value = type.findFieldByName("value");
                single(out, value, message.getField(value), false);
                return;
            }
            if (DELEGATED.contains(name)) {
                out.append(fallback.print(message));
                return;
            }
        }
        if (type.isExtendable()) {
            out.append(fallback.print(message));
            return;
        }
        out.append('{');
        boolean first = true;
        for (Field field : layouts.computeIfAbsent(type, JsonPrinter::layout)) {
            FieldDescriptor descriptor = field.descriptor();
            if (descriptor.isRepeated() ? message.getRepeatedFieldCount(descriptor) == 0 : !message.hasField(descriptor)) {
                continue;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append(field.prefix());
            Object value = message.getField(descriptor);
            if (descriptor.isMapField()) {
                map(out, descriptor, (List<?>) value);
            } else if (descriptor.isRepeated()) {
                out.append('[');
                boolean firstElement = true;
                for (Object element : (List<?>) value) {
                    if (!firstElement) {
                        out.append(',');
                    }
                    firstElement = false;
                    single(out, descriptor, element, false);
                }
                out.append(']');
            } else {
                single(out, descriptor, value, false);
            }
        }
        out.append('}');
    }

    private static Field[] layout(Descriptor type) {
        return type.getFields().stream()
                .sorted(Comparator.comparingInt(FieldDescriptor::getNumber))
                .map(field -> new Field(field, "\"" + field.getJsonName() + "\":"))
                .toArray(Field[]::new);
    }

    private void map(StringBuilder out, FieldDescriptor field, List<?> entries) throws InvalidProtocolBufferException {
        Descriptor entryType = field.getMessageType();
        FieldDescriptor key = entryType.findFieldByName("key");
        FieldDescriptor value = entryType.findFieldByName("value");
        out.append('{');
        boolean first = true;
        for (Object element : entries) {
            Message entry = (Message) element;
            if (!first) {
                out.append(',');
            }
            first = false;
            single(out, key, entry.getField(key), true);
            out.append(':');
            single(out, value, entry.getField(value), false);
        }
        out.append('}');
    }

    /** One value; {@code quoted} (a map key) puts every scalar in quotes. */
    private void single(StringBuilder out, FieldDescriptor field, Object value, boolean quoted)
            throws InvalidProtocolBufferException {
        switch (field.getType()) {
            case INT32, SINT32, SFIXED32 -> scalar(out, Integer.toString((Integer) value), quoted);
            case UINT32, FIXED32 -> scalar(out, Integer.toUnsignedString((Integer) value), quoted);
            case INT64, SINT64, SFIXED64 -> out.append('"').append((long) (Long) value).append('"');
            case UINT64, FIXED64 -> out.append('"').append(Long.toUnsignedString((Long) value)).append('"');
            case BOOL -> scalar(out, (Boolean) value ? "true" : "false", quoted);
            case FLOAT -> floating(out, (Float) value, Float.isNaN((Float) value), Float.isInfinite((Float) value), quoted);
            case DOUBLE -> floating(out, (Double) value, Double.isNaN((Double) value), Double.isInfinite((Double) value), quoted);
            case STRING -> string(out, (String) value);
            case BYTES -> out.append('"').append(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray())).append('"');
            case ENUM -> {
                EnumValueDescriptor enumValue = (EnumValueDescriptor) value;
                if (field.getEnumType().getFullName().equals("google.protobuf.NullValue")) {
                    scalar(out, "null", quoted);
                } else if (enumValue.getIndex() == -1) {
                    out.append(enumValue.getNumber());
                } else {
                    out.append('"').append(enumValue.getName()).append('"');
                }
            }
            case MESSAGE, GROUP -> message(out, (Message) value);
        }
    }

    private static void scalar(StringBuilder out, String text, boolean quoted) {
        if (quoted) {
            out.append('"').append(text).append('"');
        } else {
            out.append(text);
        }
    }

    private static void floating(StringBuilder out, Number value, boolean nan, boolean infinite, boolean quoted) {
        if (nan) {
            out.append("\"NaN\"");
        } else if (infinite) {
            out.append(value.doubleValue() < 0 ? "\"-Infinity\"" : "\"Infinity\"");
        } else {
            scalar(out, value.toString(), quoted);
        }
    }

    /** A JSON string escaped as JsonFormat escapes it (Gson's default writer: HTML-safe). */
    static void string(StringBuilder out, String value) {
        out.append('"');
        int from = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = c < ASCII_REPLACEMENTS.length ? ASCII_REPLACEMENTS[c]
                    : c == '\u2028' ? "\\u2028" : c == '\u2029' ? "\\u2029" : null;
            if (replacement != null) {
                out.append(value, from, i).append(replacement);
                from = i + 1;
            }
        }
        out.append(value, from, value.length()).append('"');
    }

    /** What each ASCII character is written as inside a JSON string, or null for itself; made once, as Gson keeps its own. */
    private static String[] asciiReplacements() {
        String[] replacements = new String[128];
        // the control characters, and what Gson's HTML-safe writer escapes
        for (char c = 0; c < 0x20; c++) {
            replacements[c] = unicodeEscape(c);
        }
        for (char c : "<>&='".toCharArray()) {
            replacements[c] = unicodeEscape(c);
        }
        replacements['\t'] = "\\t";
        replacements['\b'] = "\\b";
        replacements['\n'] = "\\n";
        replacements['\r'] = "\\r";
        replacements['\f'] = "\\f";
        replacements['"'] = "\\\"";
        replacements['\\'] = "\\\\";
        return replacements;
    }

    private static String unicodeEscape(char c) {
        return "\\u00" + HEX[c >> 4] + HEX[c & 0xF];
    }

    /** RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits, as Timestamps.toString writes it. */
    private void timestamp(StringBuilder out, Message message) throws InvalidProtocolBufferException {
        long seconds;
        int nanos;
        if (message instanceof com.google.protobuf.Timestamp generated) {
            // the generated class's getters: a field looked up by name was a third of a timestamp's printing
            seconds = generated.getSeconds();
            nanos = generated.getNanos();
        } else {
            Descriptor type = message.getDescriptorForType();
            seconds = (Long) message.getField(type.findFieldByName("seconds"));
            nanos = (Integer) message.getField(type.findFieldByName("nanos"));
        }
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
            out.append(fallback.print(message)); // throws as JsonFormat does
            return;
        }
        LocalDateTime time = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
        int[] fields = {time.getYear(), time.getMonthValue(), time.getDayOfMonth(), time.getHour(), time.getMinute(), time.getSecond()};
        out.append('"');
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.append("--T::".charAt(i - 1)); // yyyy-MM-ddTHH:mm:ss
            }
            digits(out, fields[i], i == 0 ? 4 : 2);
        }
        if (nanos != 0) {
            out.append('.');
            if (nanos % 1_000_000 == 0) {
                digits(out, nanos / 1_000_000, 3);
            } else if (nanos % 1_000 == 0) {
                digits(out, nanos / 1_000, 6);
            } else {
                digits(out, nanos, 9);
            }
        }
        out.append("Z\"");
    }

    /** {@code value} (not negative) in {@code width} digits, zeros first, written without a string between. */
    private static void digits(StringBuilder out, int value, int width) {
        int start = out.length();
        for (int i = 0; i < width; i++) {
            out.append('0');
        }
        for (int at = start + width - 1; value > 0 && at >= start; at--) {
            out.setCharAt(at, (char) ('0' + value % 10));
            value /= 10;
        }
        if (value > 0) { // wider than asked: the digits that did not fit go in front, as Integer.toString had them
            out.insert(start, value);
        }
    }
}
