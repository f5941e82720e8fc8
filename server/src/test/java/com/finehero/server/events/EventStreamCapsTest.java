package com.finehero.server.events;

import java.time.Duration;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.events.v1.WatchEventsRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestSession;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One caller may hold 2 event streams here, the instance 3; one more is RESOURCE_EXHAUSTED (a WebSocket:
 * closed with 1013, try again later), and a closed one frees its place.
 */
class EventStreamCapsTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.events.max-streams-per-user", "2")
            .with("finehero.events.max-streams", "3");

    @Test
    void streamsAreCappedPerCallerAndPerInstance() throws Exception {
        TestSession viewer = APP.userWith(Role.ROLE_VIEWER);
        TestSession other = APP.userWith(Role.ROLE_VIEWER);
        WatchEventsRequest all = WatchEventsRequest.getDefaultInstance();
        try (EventWatch first = new EventWatch(viewer.channel(), all);
             EventWatch second = new EventWatch(viewer.channel(), all)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 2);
            try (EventWatch third = new EventWatch(viewer.channel(), all)) {
                var refused = third.failure();
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(refused.getStatus().getDescription()).contains("finehero.events.max-streams-per-user");
            }
            try (EventWatch others = new EventWatch(other.channel(), all)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 3);
                try (EventWatch beyond = new EventWatch(APP.channel(), all)) {
                    var refused = beyond.failure();
                    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(refused.getStatus().getDescription()).contains("finehero.events.max-streams");
                }
            }
            // the other caller's stream closed: its place is free again
            await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 2);
            try (EventWatch again = new EventWatch(APP.channel(), all)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 3);
            }
        }
    }

    @Test
    void aWebSocketOverTheCallersCapIsClosedToTryAgainLater() throws Exception {
        TestSession viewer = APP.userWith(Role.ROLE_VIEWER);
        java.net.URI events = java.net.URI.create(APP.uri("/v1/events").toString().replaceFirst("^http", "ws"));
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 0); // the other test's are gone
        try (EventWatch first = new EventWatch(viewer.channel(), WatchEventsRequest.getDefaultInstance());
             EventWatch second = new EventWatch(viewer.channel(), WatchEventsRequest.getDefaultInstance())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> APP.app().events().openStreams() == 2);
            try (SocketWatch third = SocketWatch.open(events, "Bearer " + viewer.accessToken())) {
                third.send("{\"subscribe\": {}}");
                SocketWatch.Closed closed = third.awaitClose(Duration.ofSeconds(10));
                assertThat(closed.code()).isEqualTo(1013);
                assertThat(closed.reason()).startsWith("RESOURCE_EXHAUSTED");
            }
        }
    }
}
