package com.finehero.server.platform.rest;

import com.google.protobuf.Message;

/**
 * Prints a message as FineHero's REST bridge prints a response body ({@link JsonMessages}: JsonFormat's
 * output at a fraction of its cost), for a peer that answers over HTTP: a floor printing with JsonFormat
 * would spend on JSON what FineHero does not. Like the bridge, it prints a message instance once
 * ({@link PrintedBodies}).
 */
public final class ResponseJson {

    private final PrintedBodies bodies = new PrintedBodies(new JsonMessages()::print);

    /** The message's proto3 JSON, compact, as UTF-8; shared by the prints of one instance, so only read. */
    public byte[] print(Message message) {
        return bodies.json(message, "");
    }
}
