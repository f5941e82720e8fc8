package com.finehero.server.platform.cache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The stored form of a cache entry: a 20-digit zero-padded version, then the value bytes. Fixed-width
 * decimal lets Redis compare versions as strings inside one Lua script; the tombstone's version is
 * above any real one.
 */
final class Versioned {

    static final int PREFIX = 20;
    static final String TOMBSTONE_VERSION = "9".repeat(PREFIX);

    private Versioned() {
    }

    static byte[] encode(long version, byte[] value) {
        byte[] prefix = String.format("%020d", version).getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(prefix, PREFIX + value.length);
        System.arraycopy(value, 0, out, PREFIX, value.length);
        return out;
    }

    static byte[] tombstone() {
        return TOMBSTONE_VERSION.getBytes(StandardCharsets.US_ASCII);
    }

    static boolean isTombstone(byte[] stored) {
        return stored.length == PREFIX && new String(stored, StandardCharsets.US_ASCII).equals(TOMBSTONE_VERSION);
    }

    static String version(byte[] stored) {
        return new String(stored, 0, PREFIX, StandardCharsets.US_ASCII);
    }

    static byte[] value(byte[] stored) {
        return Arrays.copyOfRange(stored, PREFIX, stored.length);
    }
}
