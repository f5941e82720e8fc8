package com.finehero.server.events;

import java.util.Objects;

import com.finehero.server.platform.events.EventFeed;
import io.grpc.BindableService;

/**
 * The events feature: WatchEvents, served from the platform's event feed, which the other features
 * fill through their outboxes and guard with their own read rules.
 */
public final class Events {

    private Events() {
    }

    /** The {@code finehero.events.v1.EventsService} implementation over {@code feed}. */
    public static BindableService service(EventFeed feed) {
        return new EventsGrpcService(Objects.requireNonNull(feed, "feed"));
    }
}
