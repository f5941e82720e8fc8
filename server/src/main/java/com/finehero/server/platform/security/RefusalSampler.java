package com.finehero.server.platform.security;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.Status;

/**
 * Keeps a flood of refused calls from flooding the audit trail: per address and minute, the first
 * {@code recordedPerMinute} refusals (bad or missing credentials, a role not allowed, a limit hit) are
 * recorded one by one; the rest are only counted, and the count goes into one summary event when the
 * minute is over (at the address's next refusal, or at the latest {@link #SWEEP_EVERY} after it ends,
 * with the next audited call).
 */
public final class RefusalSampler {

    /** The outcome of a summary event; its resource is {@code refused=<count>}. */
    static final String SUMMARY_OUTCOME = "REFUSALS_SUMMARY";
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final Duration SWEEP_EVERY = Duration.ofSeconds(10);
    /** Addresses tracked at once; refusals from further addresses in the same minute are only counted. */
    private static final int MAX_ADDRESSES = 100_000;
    private static final Set<Status.Code> REFUSALS = Set.of(
            Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED, Status.Code.RESOURCE_EXHAUSTED);

    /** Refusals from one address that were counted but not recorded. */
    record Summary(String address, String method, String protocol, long count) { }

    /** The refusals of one address in the minute starting at {@code start}. */
    private static final class Window {
        final long start;
        long recorded;
        long suppressed;
        String method = "";
        String protocol = "";

        Window(long start) {
            this.start = start;
        }
    }

    private final AuditLog audit;
    private final Clock clock;
    private final long recordedPerMinute;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep = new AtomicLong();
    private final AtomicLong uncounted = new AtomicLong();

    /** @param recordedPerMinute refused calls a minute per address recorded one by one; the rest are counted */
    public RefusalSampler(AuditLog audit, Clock clock, long recordedPerMinute) {
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (recordedPerMinute < 1) {
            throw new IllegalArgumentException("recordedPerMinute: " + recordedPerMinute + " (expected: 1 or more)");
        }
        this.recordedPerMinute = recordedPerMinute;
    }

    /** The log this samples into; calls that record themselves with their change write to it directly. */
    AuditLog log() {
        return audit;
    }

    /** Whether the audit log can keep another event (see {@link AuditLog#admits()}). */
    boolean admits() {
        return audit.admits();
    }

    /** Records a call's outcome in the audit log: in full, or for a refusal, maybe only as a count. */
    void record(Principal principal, String method, String resource, String address, String protocol,
                Status.Code outcome, String requestId) {
        List<Summary> summaries = new ArrayList<>(ended());
        boolean inFull = !REFUSALS.contains(outcome) || sample(address, method, protocol, summaries);
        for (Summary summary : summaries) {
            audit.record("", "", Principal.Credential.ANONYMOUS.label(), summary.method(), "refused=" + summary.count(),
                    summary.address(), summary.protocol(), SUMMARY_OUTCOME, "");
        }
        if (inFull) {
            audit.record(principal.subject(), principal.name(), principal.credential().label(),
                    method, resource, address, protocol, outcome.name(), requestId);
        }
    }

    /**
     * Whether this refusal is recorded in full. {@code summaries} receives the summary of the
     * address's previous minute when this refusal starts a new one.
     */
    private boolean sample(String address, String method, String protocol, List<Summary> summaries) {
        long now = clock.millis();
        boolean[] recorded = new boolean[1];
        if (windows.size() >= MAX_ADDRESSES && !windows.containsKey(address)) {
            uncounted.incrementAndGet();
            return false;
        }
        windows.compute(address, (key, window) -> {
            if (window == null || now - window.start >= WINDOW.toMillis()) {
                if (window != null && window.suppressed > 0) {
                    summaries.add(new Summary(address, window.method, window.protocol, window.suppressed));
                }
                window = new Window(now);
            }
            if (window.recorded < recordedPerMinute) {
                window.recorded++;
                recorded[0] = true;
            } else {
                window.suppressed++;
                window.method = method;
                window.protocol = protocol;
            }
            return window;
        });
        return recorded[0];
    }

    /** Summaries of the minutes that are over, at most once every {@link #SWEEP_EVERY}; usually none. */
    private List<Summary> ended() {
        long now = clock.millis();
        long due = nextSweep.get();
        if (now < due || !nextSweep.compareAndSet(due, now + SWEEP_EVERY.toMillis())) {
            return List.of();
        }
        List<Summary> summaries = new ArrayList<>();
        for (String address : windows.keySet()) {
            windows.computeIfPresent(address, (key, window) -> {
                if (now - window.start < WINDOW.toMillis()) {
                    return window;
                }
                if (window.suppressed > 0) {
                    summaries.add(new Summary(address, window.method, window.protocol, window.suppressed));
                }
                return null;
            });
        }
        long lost = uncounted.getAndSet(0);
        if (lost > 0) {
            summaries.add(new Summary("(more addresses than tracked)", "", "", lost));
        }
        return summaries;
    }
}
