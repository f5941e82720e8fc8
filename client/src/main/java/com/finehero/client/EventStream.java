package com.finehero.client;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.events.v1.WatchEventsRequest;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The event feed as an endless iterator: when the stream ends (the server stopped, a deadline, the
 * connection broke) it opens a new one after the last event received, so no event is missed or repeated
 * while the feed keeps it. A refusal (credentials, permissions, too many streams) ends it with a
 * {@link FineHeroException}. Close it to stop.
 */
public final class EventStream implements Iterator<Event>, AutoCloseable {

    /** How long one stream may stay open before it is renewed. */
    private static final Duration STREAM_DEADLINE = Duration.ofHours(1);

    private final Channel channel;
    private final WatchEventsRequest request;
    private Context.CancellableContext context;
    private Iterator<Event> current;
    /** Read by {@link #lastEventId()} from any thread; written only by the iterating one. */
    private volatile long lastEventId;
    private Event next;
    private boolean closed;

    EventStream(Channel channel, WatchEventsRequest request) {
        this.channel = channel;
        this.request = request;
        this.lastEventId = request.getAfterEventId();
    }

    /**
     * Where a new stream resumes: the id of the last event returned, or where the current stream started
     * if it has returned none (the stream's OPENED event, which the iterator does not return).
     */
    public long lastEventId() {
        return lastEventId;
    }

    @Override
    public boolean hasNext() {
        int failures = 0;
        while (next == null && !closed) {
            try {
                if (current == null) {
                    open();
                }
                if (current.hasNext()) {
                    Event arrived = current.next();
                    failures = 0;
                    if (arrived.getKind() == EventKind.EVENT_KIND_OPENED) {
                        // where the new stream starts: a stream that breaks before its first event
                        // resumes here, not "from now", so nothing committed in between is missed
                        lastEventId = Math.max(lastEventId, arrived.getId());
                    } else {
                        next = arrived;
                    }
                } else {
                    current = null; // the server ended this stream: resume on a new one
                }
            } catch (StatusRuntimeException e) {
                current = null;
                if (closed) {
                    break;
                }
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.CANCELLED) {
                    throw FineHeroException.from(e);
                }
                pause(++failures);
            }
        }
        return next != null;
    }

    @Override
    public Event next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the event stream is closed");
        }
        Event event = next;
        next = null;
        if (event.getId() > 0) {
            lastEventId = event.getId();
        }
        return event;
    }

    private void open() {
        if (context != null) {
            context.cancel(null);
        }
        context = Context.current().withCancellation();
        WatchEventsRequest resumed = request.toBuilder().setAfterEventId(lastEventId).build();
        Context previous = context.attach();
        try {
            current = EventsServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(STREAM_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).watchEvents(resumed);
        } finally {
            context.detach(previous);
        }
    }

    private static void pause(int failures) {
        try {
            Thread.sleep(Math.min(10_000, 250L << Math.min(failures, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reconnecting the event stream", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (context != null) {
            context.cancel(null);
        }
    }
}
