package com.finehero.server.platform.events;

import java.time.Instant;

/**
 * An event as the feed read it from the outbox. {@link #RESYNC} is not a row: a subscription hands it
 * out when events may have been missed, with the id of the last event it delivered.
 */
public record FeedEvent(long id, String topic, String kind, String recordId, String ownerId, String jurisdiction,
                        byte[] payload, Instant time) {

    /** The kind of the marker a subscription hands out in place of events it could not keep. */
    public static final String RESYNC = "RESYNC";

    static FeedEvent resync(long after, Instant now) {
        return new FeedEvent(after, "", RESYNC, "", "", "", new byte[0], now);
    }

    public boolean isResync() {
        return RESYNC.equals(kind) && topic.isEmpty();
    }
}
