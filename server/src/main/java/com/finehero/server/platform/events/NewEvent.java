package com.finehero.server.platform.events;

import java.util.Objects;

/**
 * One change to record in the outbox, as a feature describes it.
 *
 * @param topic        the feature's topic, e.g. {@code fines}
 * @param kind         what happened, e.g. {@code FINE_CREATED}
 * @param recordId     the changed record's id
 * @param ownerId      whose record it is, for the topic's access rule (fine owner, task submitter); empty: nobody's
 * @param jurisdiction the record's jurisdiction, for scoped callers; empty: none
 * @param payload      what watchers receive (a serialised {@code finehero.events.v1.Event}, without id and time)
 */
public record NewEvent(String topic, String kind, String recordId, String ownerId, String jurisdiction, byte[] payload) {

    public NewEvent {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(recordId, "recordId");
        ownerId = ownerId == null ? "" : ownerId;
        jurisdiction = jurisdiction == null ? "" : jurisdiction;
        Objects.requireNonNull(payload, "payload");
    }
}
