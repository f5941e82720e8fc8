package com.finehero.server.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.events.v1.WatchEventsRequest;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import static org.assertj.core.api.Assertions.fail;

/** One WatchEvents stream, its events collected as they arrive; closing it cancels the call. */
final class EventWatch implements AutoCloseable {

    private static final Object COMPLETED = new Object();
    private final LinkedBlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final Context.CancellableContext context = Context.current().withCancellation();

    EventWatch(Channel channel, WatchEventsRequest request) {
        context.run(() -> EventsServiceGrpc.newStub(channel).withDeadlineAfter(Duration.ofSeconds(60))
                .watchEvents(request, new StreamObserver<>() {
                    @Override
                    public void onNext(Event value) {
                        arrived.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        arrived.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        arrived.add(COMPLETED);
                    }
                }));
    }

    /** The next item: an event, a failure, or null when nothing came within {@code wait}. */
    Object poll(Duration wait) throws InterruptedException {
        return arrived.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The failure the stream ended with (fails the test if an event or nothing comes instead). */
    StatusRuntimeException failure() throws InterruptedException {
        Object next = poll(Duration.ofSeconds(20));
        if (next instanceof StatusRuntimeException failure) {
            return failure;
        }
        return fail("expected the stream to fail, got " + next);
    }

    /** Events (RESYNC and OPENED left out) up to and including the first that {@code last} accepts. */
    List<Event> until(Predicate<Event> last) throws InterruptedException {
        List<Event> events = new ArrayList<>();
        while (true) {
            Object next = poll(Duration.ofSeconds(20));
            if (next instanceof Event event) {
                if (event.getKind() == EventKind.EVENT_KIND_RESYNC || event.getKind() == EventKind.EVENT_KIND_OPENED) {
                    continue;
                }
                events.add(event);
                if (last.test(event)) {
                    return events;
                }
            } else {
                return fail("the stream gave " + next + " after " + events.size() + " event(s): " + events);
            }
        }
    }

    @Override
    public void close() {
        context.cancel(null);
    }
}
