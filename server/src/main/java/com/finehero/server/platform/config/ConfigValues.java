package com.finehero.server.platform.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;

import io.helidon.config.Config;

/**
 * Reads typed values from Helidon config and fails at start-up with the key and the expected form,
 * so a mistyped environment variable is found before the first request, not during it.
 *
 * <p>{@code application.yaml} holds the one default of every key, so the readers without a fallback
 * require the key. The readers with a fallback are for keys the file leaves out on purpose (one entry
 * of a list, a switch that is on unless turned off).
 */
public final class ConfigValues {

    private ConfigValues() {
    }

    /** A key application.yaml sets; an empty value stays empty. */
    public static String string(Config node, String key) {
        return node.get(key).asString().orElseThrow(() -> missing(node, key));
    }

    public static int intInRange(Config node, String key, int min, int max) {
        requirePresent(node, key);
        return intInRange(node, key, min, min, max);
    }

    public static boolean bool(Config node, String key) {
        requirePresent(node, key);
        return bool(node, key, false);
    }

    /** A positive ISO-8601 duration such as {@code PT5S}; plain numbers are read as milliseconds. */
    public static Duration duration(Config node, String key) {
        requirePresent(node, key);
        return duration(node, key, Duration.ZERO);
    }

    public static String string(Config node, String key, String fallback) {
        return node.get(key).asString().orElse(fallback);
    }

    public static int intInRange(Config node, String key, int fallback, int min, int max) {
        String raw = node.get(key).asString().orElse(null);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < min || value > max) {
                throw invalid(node, key, raw, "a whole number from " + min + " to " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw invalid(node, key, raw, "a whole number from " + min + " to " + max);
        }
    }

    public static boolean bool(Config node, String key, boolean fallback) {
        String raw = node.get(key).asString().orElse(null);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        return switch (raw.trim().toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw invalid(node, key, raw, "true or false");
        };
    }

    /** A positive ISO-8601 duration such as {@code PT5S}; plain numbers are read as milliseconds. */
    public static Duration duration(Config node, String key, Duration fallback) {
        String raw = node.get(key).asString().orElse(null);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            Duration value = raw.trim().matches("\\d+") ? Duration.ofMillis(Long.parseLong(raw.trim()))
                    : Duration.parse(raw.trim());
            if (value.isNegative()) {
                throw invalid(node, key, raw, "a positive duration such as PT5S");
            }
            return value;
        } catch (DateTimeParseException | NumberFormatException e) {
            throw invalid(node, key, raw, "a duration such as PT5S or PT500MS (ISO-8601) or milliseconds");
        }
    }

    /** Fails unless the key has a value, so the fallbacks passed on by the readers above are never used. */
    private static void requirePresent(Config node, String key) {
        if (node.get(key).asString().orElse("").isBlank()) {
            throw missing(node, key);
        }
    }

    private static IllegalArgumentException missing(Config node, String key) {
        String full = node.key().toString().isEmpty() ? key : node.key() + "." + key;
        return new IllegalArgumentException("configuration " + full + " is missing: expected a value (application.yaml sets "
                + "every key; env var " + envVar(full) + ")");
    }

    private static IllegalArgumentException invalid(Config node, String key, String raw, String expected) {
        String full = node.key().toString().isEmpty() ? key : node.key() + "." + key;
        return new IllegalArgumentException("configuration " + full + " = '" + raw + "' is invalid: expected "
                + expected + " (env var " + envVar(full) + ")");
    }

    private static String envVar(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace("-", "_dash_");
    }
}
