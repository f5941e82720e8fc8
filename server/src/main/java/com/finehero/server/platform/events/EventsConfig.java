package com.finehero.server.platform.events;

import java.time.Duration;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Event feed settings ({@code finehero.events.*}).
 *
 * @param catchUp           the feed reads the outbox at least this often, even when no notification came
 * @param gapGrace          how long an event id missing below the newest one read is waited for (a
 *                          transaction still committing) before the feed moves past it (rolled back)
 * @param readBatch         most outbox rows one read returns
 * @param retention         outbox rows are kept at least this long, then removed (a day partition at a time on
 *                          PostgreSQL); resuming from an older event is a RESYNC
 * @param queue             events one watcher may have waiting; one more and it gets a RESYNC instead
 * @param maxStreamsPerUser event streams (any face) one caller may hold open on one instance
 * @param maxStreams        event streams one instance holds open at most
 */
public record EventsConfig(Duration catchUp, Duration gapGrace, int readBatch, Duration retention, int queue,
                           int maxStreamsPerUser, int maxStreams) {

    public EventsConfig {
        if (catchUp.isNegative() || catchUp.isZero() || gapGrace.isNegative() || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("finehero.events: catch-up and retention must be positive, gap-grace not negative");
        }
    }

    public static EventsConfig from(Config events) {
        return new EventsConfig(
                ConfigValues.duration(events, "catch-up"),
                ConfigValues.duration(events, "gap-grace"),
                ConfigValues.intInRange(events, "read-batch", 10, 100_000),
                ConfigValues.duration(events, "retention"),
                ConfigValues.intInRange(events, "queue", 1, 1_000_000),
                ConfigValues.intInRange(events, "max-streams-per-user", 1, 100_000),
                ConfigValues.intInRange(events, "max-streams", 1, 1_000_000));
    }
}
