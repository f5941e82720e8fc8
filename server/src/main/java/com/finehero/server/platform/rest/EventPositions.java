package com.finehero.server.platform.rest;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;

/**
 * Where a stream of events stands, read from the contract's own field names: a streamed message's
 * int64 {@code id} is its position, a request's int64 {@code after_event_id} resumes after one. Server-Sent
 * Events (id: lines, Last-Event-ID) and WebSockets (a stream restarted after its lifetime) share these.
 */
final class EventPositions {

    private EventPositions() {
    }

    /** The message's int64 {@code id}; 0 when it has none. */
    static long idOf(Message message) {
        Descriptors.FieldDescriptor id = message.getDescriptorForType().findFieldByName("id");
        return id != null && id.getJavaType() == Descriptors.FieldDescriptor.JavaType.LONG ? (Long) message.getField(id) : 0;
    }

    /** The request's int64 {@code after_event_id}, or null when it has no such field. */
    static Descriptors.FieldDescriptor afterField(Message request) {
        Descriptors.FieldDescriptor after = request.getDescriptorForType().findFieldByName("after_event_id");
        return after != null && after.getJavaType() == Descriptors.FieldDescriptor.JavaType.LONG ? after : null;
    }

    /** The request resuming after {@code id}; unchanged when it cannot resume or {@code id} is 0. */
    static Message resumedAfter(Message request, long id) {
        Descriptors.FieldDescriptor after = afterField(request);
        return after == null || id == 0 ? request : request.toBuilder().setField(after, id).build();
    }
}
