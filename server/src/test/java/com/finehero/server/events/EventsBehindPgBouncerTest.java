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
import com.finehero.server.testing.OwnPgBouncer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event feed contract with the pool behind PgBouncer in transaction mode, and the catch-up read set
 * far beyond the tests' waits: another instance's change reaches a watcher only through the NOTIFY sent
 * in the change's transaction (through the pooler) and the LISTEN held on finehero.db.direct-url.
 */
@Tag("scaleout")
class EventsBehindPgBouncerTest extends EventsContractTest {

    static final OwnPgBouncer BOUNCER = OwnPgBouncer.inFrontOf(Backend.pgUrl(), Backend.pgUser(), 3);

    @RegisterExtension
    static final FineHeroExtension APP = BOUNCER.configure(configured(FineHeroExtension.on(Backend.POSTGRES_REDIS)))
            .with("finehero.events.catch-up", "PT5M");

    @AfterAll
    static void stopBouncer() {
        BOUNCER.close();
    }

    @Override
    FineHeroExtension app() {
        return APP;
    }

    @Test
    void aChangeCommittedOnOneInstanceReachesTheWatchersOfAnotherThroughListenOnTheDirectConnection() throws Exception {
        FineHeroApp sibling = APP.startSibling();
        FineHeroClient client = APP.clientFor(sibling);
        try (EventWatch onSibling = new EventWatch(client.channel(), watch().addTopics(EventTopic.EVENT_TOPIC_FINES).build())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> sibling.events().openStreams() == 1);
            Fine created = fine("owner-elsewhere", "EV-PGB");
            List<Event> heard = onSibling.until(event -> event.getFine().getId().equals(created.getId()));
            assertThat(heard.getLast().getKind()).isEqualTo(EventKind.EVENT_KIND_FINE_CREATED);
        } finally {
            client.close();
            sibling.close();
        }
    }
}
