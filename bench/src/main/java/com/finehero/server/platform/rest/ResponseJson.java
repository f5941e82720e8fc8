package com.finehero.server.platform.rest;

import java.nio.charset.StandardCharsets;

import com.google.protobuf.Message;

/**
 * Prints a message as FineHero's REST bridge prints a response body ({@link JsonMessages}: JsonFormat's
 * output at a fraction of its cost), for a peer that answers over HTTP: a floor printing with JsonFormat
 * would spend on JSON what FineHero does not.
 */
public final class ResponseJson {

    private final JsonMessages messages = new JsonMessages();

    /** The message's proto3 JSON, compact, as UTF-8. */
    public byte[] print(Message message) {
        return messages.print(message, "").getBytes(StandardCharsets.UTF_8);
    }
}
