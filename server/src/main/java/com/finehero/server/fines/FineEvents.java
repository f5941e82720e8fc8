package com.finehero.server.fines;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.Payment;
import com.finehero.server.platform.events.EventAccess;
import com.finehero.server.platform.events.NewEvent;

/**
 * Fines on the event feed: the events the store records with each change, and who may hear them
 * (exactly who may read the fine: {@link FineRules#visibleTo}).
 */
public final class FineEvents {

    /** The feed topic of fines. */
    public static final String TOPIC = "fines";

    private FineEvents() {
    }

    /** The fines topic's read rule, the one GetFine applies. */
    public static EventAccess access() {
        return (caller, event) -> FineRules.visibleTo(caller, event.ownerId(), event.jurisdiction());
    }

    static NewEvent of(EventKind kind, Fine fine) {
        return of(kind, fine, null);
    }

    static NewEvent of(EventKind kind, Fine fine, Payment payment) {
        Event.Builder event = Event.newBuilder().setTopic(EventTopic.EVENT_TOPIC_FINES).setKind(kind).setFine(fine);
        if (payment != null) {
            event.setPayment(payment);
        }
        return new NewEvent(TOPIC, kind.name(), fine.getId(), fine.getOwnerId(), fine.getJurisdiction(), event.build().toByteArray());
    }

    /** What a change made by UpdateFine, ContestFine or ResolveContest was, judged by its statuses. */
    static EventKind changeKind(Fine before, Fine after) {
        if (before.getStatus() != FineStatus.FINE_STATUS_CONTESTED && after.getStatus() == FineStatus.FINE_STATUS_CONTESTED) {
            return EventKind.EVENT_KIND_FINE_CONTESTED;
        }
        if (before.getStatus() == FineStatus.FINE_STATUS_CONTESTED && after.getStatus() != FineStatus.FINE_STATUS_CONTESTED) {
            return EventKind.EVENT_KIND_FINE_CONTEST_RESOLVED;
        }
        return EventKind.EVENT_KIND_FINE_UPDATED;
    }
}
