package com.finehero.server.events;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.events.EventFeed;
import com.finehero.server.platform.events.FeedEvent;
import com.finehero.server.platform.events.ReadyWait;
import com.finehero.server.platform.events.Subscription;
import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.rpc.Replies;
import com.finehero.server.platform.security.Principal;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * WatchEvents: the event feed as a gRPC server stream (and, through the REST bridge, as Server-Sent
 * Events). Each event passes the read rule of its topic for the caller before it is sent; the request's
 * filters only narrow that further.
 */
final class EventsGrpcService extends EventsServiceGrpc.EventsServiceImplBase {

    /** How long the stream waits for an event before checking that the caller is still there. */
    private static final Duration IDLE_CHECK = Duration.ofSeconds(1);
    /** How long before the caller's deadline a stream ends normally. */
    private static final Duration END_BEFORE_DEADLINE = Duration.ofMillis(1500);

    private final EventFeed feed;

    EventsGrpcService(EventFeed feed) {
        this.feed = Objects.requireNonNull(feed, "feed");
    }

    @Override
    public void watchEvents(WatchEventsRequest request, StreamObserver<Event> response) {
        Principal caller = Principal.current();
        ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) response;
        ReadyWait ready = new ReadyWait(call);
        Watched watched = Watched.of(request);
        try (Subscription events = feed.subscribe(caller, face(), watched.records(), filter(caller, request, watched),
                request.getAfterEventId())) {
            call.onNext(Event.newBuilder().setId(events.startsAfter()).setKind(EventKind.EVENT_KIND_OPENED)
                    .setTime(Times.toProto(feed.now())).build());
            io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
            while (!ready.cancelled() && !endsNow(deadline)) {
                FeedEvent event = events.next(nextWait(deadline));
                if (event == null) {
                    if (events.ended()) {
                        break;
                    }
                    continue;
                }
                if (!ready.await()) {
                    break;
                }
                call.onNext(toEvent(event));
                events.sent(event);
            }
            if (!ready.cancelled()) {
                call.onCompleted();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineHeroException.Unavailable("SHUTTING_DOWN", "the server is stopping; watch again", Duration.ofSeconds(1));
        }
    }

    /**
     * A stream ends normally just before the caller's deadline, rather than being cut by it at the very
     * moment the caller resets it: the caller resumes after the last event either way.
     */
    private static boolean endsNow(io.grpc.Deadline deadline) {
        return deadline != null && deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS) <= END_BEFORE_DEADLINE.toMillis();
    }

    private static Duration nextWait(io.grpc.Deadline deadline) {
        if (deadline == null) {
            return IDLE_CHECK;
        }
        long left = deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS) - END_BEFORE_DEADLINE.toMillis();
        return Duration.ofMillis(Math.max(1, Math.min(IDLE_CHECK.toMillis(), left)));
    }

    /** gRPC, or the REST bridge's Server-Sent Events or WebSocket. */
    private static String face() {
        return RequestContext.streamFace();
    }

    /** The fine and the task a watch names ("" for none), their ids checked once. */
    private record Watched(String fineId, String taskId) {
        static Watched of(WatchEventsRequest request) {
            return new Watched(request.getFineId().isEmpty() ? "" : Replies.id(request.getFineId()),
                    request.getTaskId().isEmpty() ? "" : Replies.id(request.getTaskId()));
        }

        /** The records the watch can hear about (empty: any), so the feed offers it only theirs. */
        Set<String> records() {
            return java.util.stream.Stream.of(fineId, taskId).filter(id -> !id.isEmpty()).collect(Collectors.toUnmodifiableSet());
        }
    }

    /** The request's filters, each narrowing what the caller may see anyway. */
    private Predicate<FeedEvent> filter(Principal caller, WatchEventsRequest request, Watched watched) {
        Set<String> topics = request.getTopicsList().isEmpty()
                ? EnumSet.complementOf(EnumSet.of(EventTopic.EVENT_TOPIC_UNSPECIFIED, EventTopic.UNRECOGNIZED)).stream()
                        .map(EventsGrpcService::topicName).collect(Collectors.toSet())
                : request.getTopicsList().stream().map(EventsGrpcService::topicName).collect(Collectors.toSet());
        String fineId = watched.fineId();
        String taskId = watched.taskId();
        String fines = topicName(EventTopic.EVENT_TOPIC_FINES);
        String tasks = topicName(EventTopic.EVENT_TOPIC_TASKS);
        boolean mine = request.getMine();
        return event -> topics.contains(event.topic())
                && (fineId.isEmpty() && taskId.isEmpty()
                    || event.topic().equals(fines) && event.recordId().equals(fineId)
                    || event.topic().equals(tasks) && event.recordId().equals(taskId))
                && (!mine || (event.topic().equals(fines) || event.topic().equals(tasks)) && event.ownerId().equals(caller.subject()))
                && feed.visible(caller, event);
    }

    /** The feed's name of a topic: fines, tasks, alerts. */
    static String topicName(EventTopic topic) {
        return topic.name().substring("EVENT_TOPIC_".length()).toLowerCase(Locale.ROOT);
    }

    static Event toEvent(FeedEvent event) {
        if (event.isResync()) {
            return Event.newBuilder().setId(event.id()).setKind(EventKind.EVENT_KIND_RESYNC).setTime(Times.toProto(event.time())).build();
        }
        try {
            return Event.parseFrom(event.payload()).toBuilder().setId(event.id()).setTime(Times.toProto(event.time())).build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("event " + event.id() + " in the outbox is unreadable", e);
        }
    }
}
