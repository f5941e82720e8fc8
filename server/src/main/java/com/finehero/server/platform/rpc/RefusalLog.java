package com.finehero.server.platform.rpc;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import com.finehero.server.platform.cache.LocalCaches;
import com.github.benmanes.caffeine.cache.Cache;

/**
 * One log line per refused request at most, and from one peer at most one line per {@code every}: a
 * client sending garbage in a loop must not be able to fill a disk or a log pipeline. The line after a
 * quiet period says how many refusals of that peer went unlogged since its last line.
 */
final class RefusalLog {

    private static final System.Logger LOG = System.getLogger("finehero.refusals");

    private final Clock clock;
    private final Duration every;
    private final Cache<String, PeerWindow> peers;

    RefusalLog(Clock clock, Duration every) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.every = Objects.requireNonNull(every, "every");
        // bounded: a flood from many addresses forgets the oldest, which at worst logs one line more each
        this.peers = LocalCaches.builder().maximumSize(10_000).expireAfterAccess(every.multipliedBy(2)).build();
    }

    /** Logs the refusal unless this peer had a line within the last {@code every}; true if it was logged. */
    boolean refused(String peer, String what) {
        Instant now = clock.instant();
        PeerWindow window = peers.get(peer, p -> new PeerWindow());
        long suppressed;
        synchronized (window) {
            if (window.lastLogged != null && window.lastLogged.plus(every).isAfter(now)) {
                window.suppressed.incrementAndGet();
                return false;
            }
            window.lastLogged = now;
            suppressed = window.suppressed.getAndSet(0);
        }
        LOG.log(Level.WARNING, "refused a request from " + peer + ": " + what
                + (suppressed > 0 ? " (" + suppressed + " more refusals from this peer were not logged)" : ""));
        return true;
    }

    private static final class PeerWindow {
        private Instant lastLogged;
        private final AtomicLong suppressed = new AtomicLong();
    }
}
