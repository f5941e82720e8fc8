package com.finehero.server.platform.observe;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context position ({@code traceparent}: {@code 00-<trace id>-<span id>-<flags>}): the trace a
 * call belongs to and this server's span in it. See https://www.w3.org/TR/trace-context/.
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param spanId  16 lower-case hex digits, not all zero: this server's span
 * @param parentId the caller's span id, or "" when the trace started here
 * @param flags   2 hex digits (01 = sampled), copied from the caller
 */
record TraceContext(String traceId, String spanId, String parentId, String flags) {

    private static final Pattern TRACEPARENT = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);

    /**
     * Parses a caller's {@code traceparent}. Version ff, all-zero ids, upper case, or a version-00 header
     * with anything after the flags are invalid (the spec: then start a new trace).
     */
    public static Optional<TraceContext> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        var match = TRACEPARENT.matcher(header.trim());
        if (!match.matches() || "ff".equals(match.group(1)) || ("00".equals(match.group(1)) && match.group(5) != null)
                || ZERO_TRACE.equals(match.group(2)) || ZERO_SPAN.equals(match.group(3))) {
            return Optional.empty();
        }
        return Optional.of(new TraceContext(match.group(2), match.group(3), "", match.group(4)));
    }

    /** This server's span under the caller's, or the first span of a new trace when there is no caller's. */
    static TraceContext serverSpan(Optional<TraceContext> caller) {
        return caller.map(c -> new TraceContext(c.traceId(), newId(8), c.spanId(), c.flags()))
                .orElseGet(() -> new TraceContext(newId(16), newId(8), "", "00"));
    }

    /** The {@code traceparent} naming this span, for the response and for calls made on from here. */
    public String header() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    private static String newId(int bytes) {
        byte[] random = new byte[bytes];
        do {
            ThreadLocalRandom.current().nextBytes(random);
        } while (isZero(random));
        return HexFormat.of().formatHex(random);
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
