package com.finehero.server.platform.db;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The statements that took longer than a threshold, grouped by their normalised text (literals
 * replaced by ?, whitespace folded), keeping count, slowest and latest time. Bounded: the least
 * recently seen statement goes first. Each slow statement is also logged once at WARNING.
 */
public final class SlowQueries {

    private static final System.Logger LOG = System.getLogger(SlowQueries.class.getName());
    private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^']|'')*'");
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+(\\.\\d+)?\\b");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    /** One normalised statement's slow executions. */
    public record Entry(String statement, long count, Duration slowest, Duration total, Instant lastSeen) { }

    private final Duration threshold;
    private final int capacity;
    private final Clock clock;
    private final Map<String, Entry> entries;
    /** The most recent slow executions (time, duration), newest last; bounded like the entries. */
    private final java.util.ArrayDeque<Execution> recent = new java.util.ArrayDeque<>();

    private record Execution(Instant at, Duration took) { }

    SlowQueries(Duration threshold, int capacity, Clock clock) {
        this.threshold = threshold;
        this.capacity = capacity;
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    public Duration threshold() {
        return threshold;
    }

    void record(String sql, long nanos) {
        if (nanos < threshold.toNanos()) {
            return;
        }
        String statement = normalise(sql);
        Duration took = Duration.ofNanos(nanos);
        LOG.log(Level.WARNING, "slow statement (" + took.toMillis() + " ms): " + statement);
        synchronized (entries) {
            Entry previous = entries.get(statement);
            entries.put(statement, previous == null
                    ? new Entry(statement, 1, took, took, clock.instant())
                    : new Entry(statement, previous.count() + 1, max(previous.slowest(), took),
                            previous.total().plus(took), clock.instant()));
            while (entries.size() > capacity) {
                entries.remove(entries.keySet().iterator().next());
            }
            recent.addLast(new Execution(clock.instant(), took));
            while (recent.size() > capacity) {
                recent.removeFirst();
            }
        }
    }

    /** The slowest slow execution at or after {@code since}; zero if none (alert rules read this). */
    public Duration slowestSince(Instant since) {
        Duration slowest = Duration.ZERO;
        synchronized (entries) {
            for (Execution execution : recent) {
                if (!execution.at().isBefore(since)) {
                    slowest = max(slowest, execution.took());
                }
            }
        }
        return slowest;
    }

    /** The slowest statements first. */
    public List<Entry> slowest(int limit) {
        List<Entry> all;
        synchronized (entries) {
            all = new ArrayList<>(entries.values());
        }
        all.sort(Comparator.comparing(Entry::slowest).reversed());
        return all.subList(0, Math.min(limit, all.size()));
    }

    static String normalise(String sql) {
        String folded = STRING_LITERAL.matcher(sql).replaceAll("?");
        folded = NUMBER.matcher(folded).replaceAll("?");
        return SPACE.matcher(folded).replaceAll(" ").strip();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
