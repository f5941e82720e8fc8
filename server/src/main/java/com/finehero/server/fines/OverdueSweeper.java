package com.finehero.server.fines;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;

/**
 * Moves OPEN and UPHELD fines past their due time to OVERDUE, in batches. Safe to run on every
 * instance at once: each batch locks its rows, and a fine already moved is no longer a candidate.
 * Until the sweep reaches a fine, {@link FineRules#effectiveStatus} already treats it as overdue.
 * The recurring task {@code overdue_sweep} ({@link OverdueSweepHandler}) runs it on a cron schedule.
 */
public final class OverdueSweeper {

    private static final System.Logger LOG = System.getLogger(OverdueSweeper.class.getName());
    static final int BATCH = 500;

    private final FineStore store;
    private final FineRules rules;

    OverdueSweeper(FineStore store, FineRules rules) {
        this.store = Objects.requireNonNull(store, "store");
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    /** Sweeps until no candidate is left; returns how many fines became OVERDUE. */
    public int sweep() {
        int total = 0;
        List<String> batch;
        do {
            batch = store.markOverdue(rules.now(), BATCH);
            total += batch.size();
        } while (batch.size() == BATCH);
        if (total > 0) {
            LOG.log(Level.INFO, "overdue sweep: " + total + " fine(s) now OVERDUE");
        }
        return total;
    }
}
