package com.finehero.server.events;

import java.time.Duration;
import java.util.List;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.fines.v1.Fine;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event feed contract on PostgreSQL and Redis, with the catch-up read set far beyond the tests'
 * waits: what a watcher hears, it hears through NOTIFY (another instance's commits) or this instance's
 * own commit signal.
 */
class EventsOnPostgresTest extends EventsContractTest {

    @RegisterExtension
    static final FineHeroExtension APP = configured(FineHeroExtension.on(Backend.POSTGRES_REDIS))
            .with("finehero.events.catch-up", "PT5M");

    @Override
    FineHeroExtension app() {
        return APP;
    }

    @Test
    void aChangeCommittedOnOneInstanceReachesTheWatchersOfAnother() throws Exception {
        FineHeroApp sibling = APP.startSibling();
        FineHeroClient client = APP.clientFor(sibling);
        try (EventWatch onSibling = new EventWatch(client.channel(), watch().addTopics(EventTopic.EVENT_TOPIC_FINES).build())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> sibling.events().openStreams() == 1);
            Fine created = fine("owner-elsewhere", "EV-X");
            List<Event> heard = onSibling.until(event -> event.getFine().getId().equals(created.getId()));
            assertThat(heard.getLast().getKind()).isEqualTo(EventKind.EVENT_KIND_FINE_CREATED);
            assertThat(sibling.events().reads()).as("reads of the outbox on the sibling").isPositive();
        } finally {
            client.close();
            sibling.close();
        }
    }
}
