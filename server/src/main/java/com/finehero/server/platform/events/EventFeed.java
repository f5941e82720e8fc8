package com.finehero.server.platform.events;

import java.lang.System.Logger.Level;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.db.OwnConnection;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.retention.RetentionSql;
import com.finehero.server.platform.retention.Upkeep;
import com.finehero.server.platform.security.Principal;

/**
 * The event feed of one instance: reads new outbox rows with one query per wake-up, however many
 * watchers there are, and hands each to the subscriptions that want it, in id order.
 *
 * <p><b>Wake-ups.</b> A commit on this instance wakes the reader at once ({@link Outbox}); on PostgreSQL a
 * LISTEN on a dedicated connection wakes it for commits of every instance ({@link PgListener}); and it
 * reads every {@code catch-up} regardless, so a notification lost while that connection was down
 * costs latency, never an event: the outbox, not the notification, is the record.
 *
 * <p><b>Its own connection.</b> The reader reads (and keeps the outbox's retention) over a connection of its own outside the
 * pool: when every pooled connection is busy with calls, the events those calls commit still go out
 * within a read, instead of waiting in the pool's queue behind them.
 *
 * <p><b>Gaps.</b> Ids are taken when a row is inserted but become visible when its transaction commits,
 * so id 11 may be read before id 10. The reader remembers ids missing below the newest it has read,
 * asks for them again with each read, and delivers nothing past the oldest missing id until it arrives
 * or has been missing for {@code gap-grace} (a rolled-back transaction leaves its id unused forever).
 * Delivery is therefore in strict id order, and "every event after id N" is a well-defined resume point.
 *
 * <p><b>Nobody watching.</b> While this instance has no stream open, a read takes only the ids of new
 * rows: the gaps are tracked all the same, but no event is built that nobody would be handed. Should a
 * stream open between such a read and its hand-out, the ids not yet handed out count as missing and the
 * next read fetches them whole, so the new stream gets every event after its start.
 */
public final class EventFeed implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventFeed.class.getName());
    /** Most missing ids asked for by one read; more wait their turn (or their grace). */
    private static final int MAX_ASKED = 1000;
    /** Most ids one read walks for the missing ones while nobody watches (the rows not missing are ignored). */
    private static final int MISSING_RANGE = 4 * MAX_ASKED;
    /** A jump in ids larger than this is not tracked id by id (a restored database, a reset sequence). */
    private static final int MAX_MISSING = 100_000;
    /** How soon the reader looks again while ids are missing (their commits also wake it). */
    private static final Duration GAP_RECHECK = Duration.ofMillis(50);

    private final Database db;
    /** The reader's connection, outside the pool; used only by the reader thread (and prune). */
    private final OwnConnection readerConnection;
    private final Outbox outbox;
    private final EventsConfig config;
    private final RetentionSql retention;
    private final Clock clock;
    private final FeedMetrics metrics;
    private final Map<String, EventAccess> topics = new ConcurrentHashMap<>();
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    /** Subscriptions that may want any record's events: each event is offered to every one of them. */
    private final Set<Subscription> broad = ConcurrentHashMap.newKeySet();
    /**
     * Subscriptions that want only some records' events, by record id: an event is offered to those of
     * its record, so ten thousand watchers of one fine each cost an event nothing on the others.
     */
    private final Map<String, Set<Subscription>> byRecord = new ConcurrentHashMap<>();
    private final Map<String, Integer> streamsPerUser = new HashMap<>();
    private int streams;
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition woken = wakeLock.newCondition();
    private boolean signalled;
    /** Held while events are handed out, and to read {@link #delivered} consistently with that. */
    private final Object deliveryLock = new Object();
    /** Every id at or below this has been delivered or given up; guarded by deliveryLock. */
    private long delivered;
    // reader-thread state
    private long highWater;
    private final TreeMap<Long, FeedEvent> held = new TreeMap<>();
    private final TreeMap<Long, Long> missingSince = new TreeMap<>();
    private final AtomicLong reads = new AtomicLong();
    private volatile boolean closed;
    private Thread reader;
    private PgListener listener;

    public EventFeed(Outbox outbox, EventsConfig config, Clock clock, FeedMetrics metrics) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.db = outbox.database();
        this.readerConnection = db.ownConnection("event-feed");
        this.config = Objects.requireNonNull(config, "config");
        this.retention = RetentionSql.of(db.dialect());
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        metrics.streams(this::openStreams);
    }

    /** Adds a topic and its read rule; events of a topic nobody registered reach no watcher. */
    public EventFeed topic(String topic, EventAccess access) {
        topics.put(Objects.requireNonNull(topic, "topic"), Objects.requireNonNull(access, "access"));
        return this;
    }

    /** Starts reading from the newest event now in the outbox, and listening on PostgreSQL. */
    public void start() {
        long newest = db.read(connection -> Sql.one(connection, "SELECT MAX(id) FROM event_outbox", List.of(),
                row -> row.getLong(1)).orElse(0L));
        synchronized (deliveryLock) {
            delivered = newest;
        }
        highWater = newest;
        outbox.onCommit(this::signal);
        if (db.dialect() instanceof Dialect.PostgreSql) {
            listener = new PgListener(db, outbox.channel(), this::signal);
            listener.start();
        }
        reader = Thread.ofVirtual().name("finehero-event-feed").start(this::readLoop);
    }

    /** Whether {@code caller} may hear about {@code event}, by the read rule of its topic. */
    public boolean visible(Principal caller, FeedEvent event) {
        EventAccess access = topics.get(event.topic());
        return access != null && access.sees(caller, event);
    }

    /**
     * Opens a stream for {@code caller}: the events {@code filter} accepts (it must include the
     * visibility check), after {@code afterEventId} when positive (replayed from the outbox first),
     * otherwise from now on. RESOURCE_EXHAUSTED beyond the per-caller or per-instance number of streams.
     *
     * @param face how the stream reaches the caller (grpc, sse, websocket), for metrics
     */
    public Subscription subscribe(Principal caller, String face, Predicate<FeedEvent> filter, long afterEventId) {
        return subscribe(caller, face, Set.of(), filter, afterEventId);
    }

    /**
     * As {@link #subscribe(Principal, String, Predicate, long)}, for a stream that wants only the events
     * of {@code recordIds} (when not empty; {@code filter} must accept nothing else): only those
     * records' events are offered to it.
     */
    public Subscription subscribe(Principal caller, String face, Set<String> recordIds, Predicate<FeedEvent> filter, long afterEventId) {
        String subject = caller.subject();
        takeStream(subject);
        Subscription subscription = new Subscription(this, subject, face, Set.copyOf(recordIds), filter, config.queue());
        try {
            boolean missed = afterEventId > 0 && afterEventId < oldestKept() - 1;
            synchronized (deliveryLock) {
                subscription.start(delivered, afterEventId, missed);
                subscriptions.add(subscription);
                if (subscription.recordIds().isEmpty()) {
                    broad.add(subscription);
                }
                for (String recordId : subscription.recordIds()) {
                    byRecord.compute(recordId, (id, watching) -> {
                        Set<Subscription> set = watching == null ? ConcurrentHashMap.newKeySet() : watching;
                        set.add(subscription);
                        return set;
                    });
                }
            }
            metrics.opened(face);
            return subscription;
        } catch (RuntimeException e) {
            releaseStream(subject);
            throw e;
        }
    }

    private void takeStream(String subject) {
        synchronized (streamsPerUser) {
            if (streams >= config.maxStreams()) {
                throw new FineHeroException.RateLimited("TOO_MANY_STREAMS", "this instance holds " + streams
                        + " event streams, its most (finehero.events.max-streams); retry shortly or on another instance",
                        Duration.ofSeconds(5));
            }
            int mine = streamsPerUser.getOrDefault(subject, 0);
            if (mine >= config.maxStreamsPerUser()) {
                throw new FineHeroException.RateLimited("TOO_MANY_STREAMS", "you have " + mine
                        + " event streams open, the most one caller may hold at once (finehero.events.max-streams-per-user = "
                        + config.maxStreamsPerUser() + "); close one first", Duration.ofSeconds(1));
            }
            streamsPerUser.put(subject, mine + 1);
            streams++;
        }
    }

    private void releaseStream(String subject) {
        synchronized (streamsPerUser) {
            streamsPerUser.computeIfPresent(subject, (who, open) -> open <= 1 ? null : open - 1);
            streams--;
        }
    }

    void unsubscribe(Subscription subscription) {
        broad.remove(subscription);
        for (String recordId : subscription.recordIds()) {
            byRecord.computeIfPresent(recordId, (id, watching) -> {
                watching.remove(subscription);
                return watching.isEmpty() ? null : watching;
            });
        }
        if (subscriptions.remove(subscription)) {
            releaseStream(subscription.subject());
            metrics.closed(subscription.face());
        }
    }

    /** Streams open on this instance, every face. */
    public int openStreams() {
        return subscriptions.size();
    }

    /** After an overflow: live events resume after the feed's position now, the rest is replayed. */
    void resume(Subscription subscription) {
        synchronized (deliveryLock) {
            subscription.resumeAt(delivered);
        }
    }

    void countResync() {
        metrics.resynced();
    }

    void sent(String face, FeedEvent event) {
        if (!event.isResync()) {
            metrics.sent(face, Duration.between(event.time(), clock.instant()));
        }
    }

    /** The feed's clock: the time events carry. */
    public Instant now() {
        return clock.instant();
    }

    /** Outbox rows in (after, upTo], oldest first, at most one read batch: a watcher's replay. */
    List<FeedEvent> read(long after, long upTo) {
        return db.read(connection -> Sql.list(connection, "SELECT " + Outbox.COLUMNS + " FROM event_outbox WHERE id > ? AND id <= ? "
                + "ORDER BY id LIMIT ?", List.of(after, upTo, config.readBatch()), EventFeed::row));
    }

    /** The oldest event the outbox still keeps (0: none). */
    private long oldestKept() {
        return db.read(connection -> Sql.one(connection, "SELECT MIN(id) FROM event_outbox", List.of(),
                row -> row.getLong(1)).orElse(0L));
    }

    /**
     * Removes outbox rows older than the retention: on PostgreSQL drops the day partitions past it and
     * creates the days ahead, on H2 deletes the rows ({@link RetentionSql}). Runs on the reader's
     * connection, between reads.
     */
    public Upkeep prune() {
        return readerConnection.use(connection -> retention.keep(connection, Outbox.TABLE, config.retention(), clock.instant()));
    }

    /** Reads made since start (each is one query, whatever the number of watchers). */
    public long reads() {
        return reads.get();
    }

    /** Wakes the reader (a commit here, a notification from PostgreSQL). */
    void signal() {
        wakeLock.lock();
        try {
            signalled = true;
            woken.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    private void readLoop() {
        int failures = 0;
        long pruneEvery = Math.clamp(config.retention().dividedBy(24).toNanos(), Duration.ofMinutes(1).toNanos(),
                Duration.ofHours(1).toNanos());
        long nextPrune = System.nanoTime() + pruneEvery;
        while (!closed) {
            try {
                if (System.nanoTime() - nextPrune >= 0) {
                    nextPrune = System.nanoTime() + pruneEvery;
                    pruneQuietly();
                }
                awaitSignal(missingSince.isEmpty() ? config.catchUp() : min(config.catchUp(), GAP_RECHECK));
                if (closed) {
                    return;
                }
                boolean more = readOnce();
                if (more) {
                    signal();
                }
                if (failures > 0) {
                    LOG.log(Level.INFO, "event feed reading again");
                }
                failures = 0;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (failures++ == 0) {
                    LOG.log(Level.WARNING, "event feed cannot read the outbox, retrying: " + e.getMessage());
                }
                try {
                    Thread.sleep(Math.min(5_000, 100L << Math.min(failures, 6)));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** A failed prune is tried again at the next one; it must not count as a failed read. */
    private void pruneQuietly() {
        try {
            Upkeep upkeep = prune();
            LOG.log(Level.DEBUG, () -> "outbox retention (" + config.retention() + ") " + upkeep);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "outbox retention failed, the next prune tries again: " + e.getMessage());
        }
    }

    private void awaitSignal(Duration timeout) throws InterruptedException {
        wakeLock.lock();
        try {
            long nanos = timeout.toNanos();
            while (!signalled && nanos > 0 && !closed) {
                nanos = woken.awaitNanos(nanos);
            }
            signalled = false;
        } finally {
            wakeLock.unlock();
        }
    }

    /**
     * One query: rows after the newest read plus the missing ones; then hands out what is in order.
     * Returns whether more are waiting. The two parts are a UNION ALL, not one {@code WHERE id > ? OR id IN
     * (...)}: with the OR, PostgreSQL cannot walk the key in order and stop at the limit, and bitmap-scans
     * and sorts every partition instead. While streams are open the missing ids are asked for in lists of
     * a few fixed lengths ({@link #askedLength}), so the statement text repeats and its prepared plan is
     * reused. While none is, the ids alone are wanted and the missing ones are read as the range from the
     * oldest (at most {@link #MISSING_RANGE} ids): a list costs a descent of the key per id and partition, a
     * range one walk, and under load many ids are in flight at once.
     */
    boolean readOnce() {
        List<Long> asked = missingSince.keySet().stream().limit(MAX_ASKED).toList();
        boolean watched = !subscriptions.isEmpty();
        List<Object> params = new ArrayList<>(MAX_ASKED + 2);
        params.add(highWater);
        params.add(config.readBatch());
        String sql;
        if (watched) {
            int length = askedLength(asked.size());
            sql = "(SELECT " + Outbox.COLUMNS + " FROM event_outbox WHERE id > ? ORDER BY id LIMIT ?)"
                    + (length == 0 ? "" : " UNION ALL (SELECT " + Outbox.COLUMNS + " FROM event_outbox WHERE id IN ("
                            + Sql.placeholders(length) + "))");
            params.addAll(asked);
            for (int i = asked.size(); i < length; i++) {
                params.add(asked.getLast()); // padding: a repeated id matches the same row once
            }
        } else {
            sql = "(SELECT id FROM event_outbox WHERE id > ? ORDER BY id LIMIT ?)"
                    + (asked.isEmpty() ? "" : " UNION ALL (SELECT id FROM event_outbox WHERE id >= ? AND id <= ?)");
            if (!asked.isEmpty()) {
                params.add(asked.getFirst());
                params.add(Math.min(asked.getLast(), asked.getFirst() + MISSING_RANGE - 1));
            }
        }
        Sql.RowMapper<FeedEvent> mapper = watched ? EventFeed::row : row -> unread(row.getLong("id"));
        List<FeedEvent> rows = new ArrayList<>(readerConnection.use(connection -> Sql.list(connection, sql, params, mapper)));
        rows.sort(Comparator.comparingLong(FeedEvent::id)); // new rows must be taken in id order: each may open a gap
        reads.incrementAndGet();
        long now = System.nanoTime();
        int fresh = 0;
        for (FeedEvent row : rows) {
            if (row.id() > highWater) {
                fresh++;
                long gap = row.id() - highWater - 1;
                if (gap > MAX_MISSING) {
                    LOG.log(Level.WARNING, "event ids jumped by " + gap + " (from " + highWater + " to " + row.id()
                            + "); events in between, if any commit later, are not delivered live");
                    giveUpTo(row.id() - 1);
                } else {
                    for (long id = highWater + 1; id < row.id(); id++) {
                        missingSince.put(id, now);
                    }
                }
                highWater = row.id();
                held.put(row.id(), row);
            } else if (missingSince.remove(row.id()) != null) {
                held.put(row.id(), row);
            }
        }
        metrics.published(fresh);
        deliverInOrder(now);
        return fresh >= config.readBatch();
    }

    /** How many ids a read asks for when {@code missing} are missing: the next of 1, 4, 16, ... up to {@link #MAX_ASKED}. */
    private static int askedLength(int missing) {
        if (missing == 0) {
            return 0;
        }
        int length = 1;
        while (length < missing) {
            length *= 4;
        }
        return Math.min(length, MAX_ASKED);
    }

    private void giveUpTo(long id) {
        missingSince.headMap(id, true).clear();
        synchronized (deliveryLock) {
            // everything held below is older than the jump and is handed out first
            deliverHeld(id);
        }
    }

    private void deliverInOrder(long now) {
        long grace = config.gapGrace().toNanos();
        synchronized (deliveryLock) {
            while (true) {
                long next = delivered + 1;
                FeedEvent event = held.get(next);
                if (event != null) {
                    if (!handOut(event, now)) {
                        return;
                    }
                    held.remove(next);
                    delivered = next;
                    continue;
                }
                Long since = missingSince.get(next);
                if (since != null && now - since >= grace) {
                    missingSince.remove(next);
                    metrics.gapGivenUp();
                    delivered = next;
                    continue;
                }
                if (since == null && next <= highWater) {
                    delivered = next; // neither held nor missing: already handed out
                    continue;
                }
                return;
            }
        }
    }

    private void deliverHeld(long upTo) {
        while (!held.isEmpty() && held.firstKey() <= upTo) {
            FeedEvent event = held.firstEntry().getValue();
            if (!handOut(event, System.nanoTime())) {
                return;
            }
            held.pollFirstEntry();
            delivered = event.id();
        }
        delivered = Math.max(delivered, upTo);
    }

    /**
     * Hands a held event to the streams that want it; an event read as its id alone goes to nobody, unless
     * a stream has opened since that read: then nothing is handed out and the held ids are fetched whole
     * ({@link #refetch}), and this returns false.
     */
    private boolean handOut(FeedEvent event, long now) {
        if (!isUnread(event)) {
            deliver(event);
            return true;
        }
        if (subscriptions.isEmpty()) {
            return true;
        }
        refetch(now);
        return false;
    }

    /**
     * A stream opened after a read that took ids only: the held ids become missing, so the next read
     * (at once) fetches them whole. Held under {@code deliveryLock}, on the reader thread.
     */
    private void refetch(long now) {
        held.entrySet().removeIf(entry -> {
            if (isUnread(entry.getValue())) {
                missingSince.put(entry.getKey(), now);
                return true;
            }
            return false;
        });
        signal();
    }

    /** A row read while nobody watched: its id only, never handed to a stream. */
    private static FeedEvent unread(long id) {
        return new FeedEvent(id, "", "", "", "", "", null, null);
    }

    private static boolean isUnread(FeedEvent event) {
        return event.payload() == null;
    }

    private void deliver(FeedEvent event) {
        Instant now = clock.instant();
        int handed = offer(event, broad);
        Set<Subscription> watching = byRecord.get(event.recordId());
        if (watching != null) {
            handed += offer(event, watching);
        }
        metrics.delivered(handed, Duration.between(event.time(), now));
    }

    /** Offers {@code event} to each of {@code candidates} that wants it; returns to how many. */
    private static int offer(FeedEvent event, Set<Subscription> candidates) {
        int handed = 0;
        for (Subscription subscription : candidates) {
            boolean wants;
            try {
                wants = subscription.wants(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "an event filter failed for " + subscription + ": " + e);
                continue;
            }
            if (wants) {
                handed++;
                subscription.offer(event);
            }
        }
        return handed;
    }

    private static FeedEvent row(ResultSet row) throws SQLException {
        return new FeedEvent(row.getLong("id"), row.getString("topic"), row.getString("kind"), row.getString("record_id"),
                row.getString("owner_id"), row.getString("jurisdiction"), row.getBytes("payload"),
                row.getObject("create_time", java.time.OffsetDateTime.class).toInstant());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Ends every stream normally (the server is stopping); the streams see {@link Subscription#ended()}. */
    public void endStreams() {
        subscriptions.forEach(Subscription::end);
    }

    @Override
    public void close() {
        closed = true;
        endStreams();
        signal();
        if (listener != null) {
            listener.close();
        }
        if (reader != null) {
            reader.interrupt();
            try {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        readerConnection.close();
    }
}
