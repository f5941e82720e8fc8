package com.finehero.server.platform.cache;

import java.util.function.Function;

/**
 * A cached value's bytes with the last object a decoder made of them, which a later read with the same
 * decoder gets again instead of decoding the same bytes anew. Handing out one instance also lets what is
 * derived from it be kept by instance (the REST bridge's printed bodies).
 */
final class DecodedCopy {

    private final byte[] value;
    private volatile Decoded decoded;

    DecodedCopy(byte[] value) {
        this.value = value;
    }

    /** A copy of the value's bytes, for a caller free to change it. */
    byte[] bytes() {
        return value.clone();
    }

    @SuppressWarnings("unchecked")
    <T> T decoded(Function<byte[], T> decoder) {
        Decoded last = decoded;
        if (last != null && last.decoder() == decoder) {
            return (T) last.value();
        }
        T made = decoder.apply(value);
        decoded = new Decoded(decoder, made);
        return made;
    }

    private record Decoded(Function<byte[], ?> decoder, Object value) {
    }
}
