package com.finehero.server.platform.events;

import com.finehero.server.platform.security.Principal;

/**
 * A topic's read rule, provided by the feature that owns the topic: whether {@code caller} may hear
 * about this event, decided as reading the record would be. It sees only the outbox columns (owner,
 * jurisdiction, record id), never decodes the payload, so it is cheap enough to run per event per watcher.
 */
@FunctionalInterface
public interface EventAccess {

    boolean sees(Principal caller, FeedEvent event);
}
