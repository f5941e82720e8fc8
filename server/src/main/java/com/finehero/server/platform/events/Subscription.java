package com.finehero.server.platform.events;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One watcher's view of the feed: a bounded queue the feed fills as events are delivered, in id order,
 * plus the outbox range the watcher still has to replay (after a resume or an overflow). One consumer
 * thread calls {@link #next}; the feed's reader calls {@link #offer}.
 *
 * <p>When the queue is full the feed drops what it holds and marks the subscription overflowed; the
 * consumer then gets a RESYNC marker and continues, from the outbox, after the last event it took, so a
 * slow watcher costs its own replay reads and never holds the reader or other watchers.
 */
public final class Subscription implements AutoCloseable {

    private final EventFeed feed;
    private final String subject;
    private final String face;
    /** The records whose events alone it wants; empty: any record's. */
    private final Set<String> recordIds;
    private final Predicate<FeedEvent> filter;
    private final int capacity;
    private final ArrayDeque<FeedEvent> queue = new ArrayDeque<>();
    private final ArrayDeque<FeedEvent> replay = new ArrayDeque<>();
    /** Where the stream starts: every event it hands out comes after this id. */
    private long startsAfter;
    /** The last event handed to the consumer; nothing at or below it is handed out again. */
    private long last;
    /** Outbox range (replayAfter, replayUpTo] still to read for the consumer. */
    private long replayAfter;
    private long replayUpTo;
    private boolean resyncDue;
    private boolean overflowed;
    private boolean ended;
    private boolean closed;

    Subscription(EventFeed feed, String subject, String face, Set<String> recordIds, Predicate<FeedEvent> filter, int capacity) {
        this.feed = feed;
        this.subject = subject;
        this.face = face;
        this.recordIds = recordIds;
        this.filter = filter;
        this.capacity = capacity;
    }

    /** Starts after {@code position} (the feed's, at subscription), replaying from {@code after} when it is older. */
    synchronized void start(long position, long after, boolean missedSome) {
        last = Math.max(position, after);
        if (after > 0 && after < position) {
            last = after;
            replayAfter = after;
            replayUpTo = position;
        }
        startsAfter = last;
        resyncDue = missedSome;
    }

    /**
     * Where this stream starts, fixed when it subscribed: every event it hands out has a larger id, and
     * every event with a larger id it may see is handed out (or a RESYNC stands for it). A caller that
     * resumes after it misses nothing.
     */
    public synchronized long startsAfter() {
        return startsAfter;
    }

    /** Records that the consumer wrote {@code event} to its stream (the commit-to-sent lag, by face). */
    public void sent(FeedEvent event) {
        feed.sent(face, event);
    }

    String subject() {
        return subject;
    }

    String face() {
        return face;
    }

    Set<String> recordIds() {
        return recordIds;
    }

    boolean wants(FeedEvent event) {
        return filter.test(event);
    }

    /** The feed's reader delivers one event; returns false when it had to be dropped (overflow). */
    synchronized boolean offer(FeedEvent event) {
        if (ended || overflowed) {
            return !overflowed;
        }
        if (queue.size() >= capacity) {
            overflowed = true;
            queue.clear();
            notifyAll();
            return false;
        }
        queue.add(event);
        notifyAll();
        return true;
    }

    /** The feed is stopping: the consumer's next {@link #next} returns null and {@link #ended()} is true. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    public synchronized boolean ended() {
        return ended && queue.isEmpty() && replay.isEmpty() && replayAfter >= replayUpTo && !resyncDue;
    }

    /** The id of the last event handed out (the position a client resumes after). */
    public synchronized long position() {
        return last;
    }

    /**
     * The next event, a RESYNC marker ({@link FeedEvent#isResync()}), or null when none came within
     * {@code timeout} or the feed ended ({@link #ended()}).
     */
    public FeedEvent next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            FeedEvent replayed = replayed();
            if (replayed != null) {
                return replayed;
            }
            if (needsRecovery()) {
                recover();
                continue;
            }
            synchronized (this) {
                if (resyncDue || !replay.isEmpty() || replayAfter < replayUpTo || overflowed) {
                    continue;
                }
                FeedEvent live = queue.poll();
                while (live != null && live.id() <= last) {
                    live = queue.poll();
                }
                if (live != null) {
                    last = live.id();
                    return live;
                }
                if (ended) {
                    return null;
                }
                long wait = deadline - System.nanoTime();
                if (wait <= 0) {
                    return null;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, wait);
            }
        }
    }

    /** A RESYNC marker or an event of the replay range, reading the next page of the range when needed. */
    private FeedEvent replayed() {
        long after;
        long upTo;
        synchronized (this) {
            if (resyncDue) {
                resyncDue = false;
                return FeedEvent.resync(last, feed.now());
            }
            FeedEvent next = replay.poll();
            if (next != null) {
                last = next.id();
                return next;
            }
            if (replayAfter >= replayUpTo) {
                return null;
            }
            after = replayAfter;
            upTo = replayUpTo;
        }
        List<FeedEvent> page = feed.read(after, upTo);
        synchronized (this) {
            replayAfter = page.isEmpty() ? upTo : page.getLast().id();
            for (FeedEvent event : page) {
                if (event.id() > last && filter.test(event)) {
                    replay.add(event);
                }
            }
        }
        return replayed();
    }

    private synchronized boolean needsRecovery() {
        return overflowed;
    }

    /** After an overflow: a RESYNC, then the outbox from the last event taken up to the feed's position now. */
    private void recover() {
        feed.resume(this);
    }

    /** Called by the feed under its delivery lock: live events from now on are those after {@code position}. */
    synchronized void resumeAt(long position) {
        overflowed = false;
        queue.clear();
        resyncDue = true;
        replayAfter = last;
        replayUpTo = position;
        feed.countResync();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ended = true;
            queue.clear();
        }
        feed.unsubscribe(this);
    }

    @Override
    public String toString() {
        return "Subscription[" + subject + " via " + face + "]";
    }
}
