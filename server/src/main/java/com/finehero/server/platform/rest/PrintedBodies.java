package com.finehero.server.platform.rest;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BiFunction;

import com.finehero.server.platform.cache.LocalCaches;
import com.github.benmanes.caffeine.cache.Cache;
import com.google.protobuf.Message;

/**
 * The JSON bodies of response messages printed lately, by message instance. The cache hands a record out
 * as the same instance on every hit while it holds the decoded copy, so a record read again is sent as
 * the bytes printed the first time instead of being printed anew: printing through protobuf's reflection
 * was 4.6% of a cache-hit REST GetFine's CPU samples. Every read still passes the call's checks; only the
 * printing is shared. Messages are immutable, so an instance's JSON never changes. Keys are held weakly
 * and compared by identity, so an entry goes with its message; an equal message that is another instance
 * is printed on its own. A message built for one answer (a write's reply, a list page) costs a lookup
 * and an insertion, and Caffeine's admission keeps such one-time bodies from pushing out the ones read
 * again. At most 2 MiB of bodies are kept, none larger than 8 KiB.
 */
final class PrintedBodies {

    /** Bodies larger than this are not kept: list pages, built afresh for every call. */
    static final int MAX_BODY_BYTES = 8 * 1024;
    private static final long MAX_BYTES_KEPT = 2L * 1024 * 1024;

    private final Cache<Message, Printed> printed = LocalCaches.builder()
            .weakKeys()
            .maximumWeight(MAX_BYTES_KEPT)
            .weigher((Message message, Printed body) -> body.json().length)
            .build();
    private final BiFunction<Message, String, String> print;

    /** @param print prints a message, or the field of it a response_body names (empty: the whole message) */
    PrintedBodies(BiFunction<Message, String, String> print) {
        this.print = Objects.requireNonNull(print, "print");
    }

    /** The UTF-8 JSON of {@code message}, or of its field {@code responseBody} when that is not empty. */
    byte[] json(Message message, String responseBody) {
        Printed kept = printed.getIfPresent(message);
        if (kept != null && kept.responseBody().equals(responseBody)) {
            return kept.json();
        }
        byte[] json = print.apply(message, responseBody).getBytes(StandardCharsets.UTF_8);
        if (json.length <= MAX_BODY_BYTES) {
            printed.put(message, new Printed(responseBody, json));
        }
        return json;
    }

    /** A body as printed, with the response_body it was printed for. */
    private record Printed(String responseBody, byte[] json) {
    }
}
