package com.finehero.server.platform.cache;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one region; read by metrics and the stats RPCs. */
public final class CacheStats {

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder loadNanos = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    void hit() {
        hits.increment();
    }

    void miss() {
        misses.increment();
    }

    void error() {
        errors.increment();
    }

    void eviction() {
        evictions.increment();
    }

    /** Records one database load on a miss. */
    public void load(long nanos) {
        loads.increment();
        loadNanos.add(nanos);
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public long loads() {
        return loads.sum();
    }

    public long loadNanos() {
        return loadNanos.sum();
    }

    public long errors() {
        return errors.sum();
    }

    public long evictions() {
        return evictions.sum();
    }

    public double hitRate() {
        long h = hits(), m = misses();
        return h + m == 0 ? 0.0 : (double) h / (h + m);
    }
}
