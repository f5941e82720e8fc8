package com.finehero.server.platform.observe;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latencies of the last {@code window}, in {@code slots} rotating HdrHistograms: a percentile is read
 * over recent calls only, not over everything since start-up (which would hide a slow minute).
 */
final class SlidingHistogram {

    private record Slot(long epoch, ConcurrentHistogram histogram) { }

    private final Clock clock;
    private final long slotMillis;
    private final AtomicReferenceArray<Slot> slots;

    SlidingHistogram(Clock clock, Duration window, int slots) {
        this.clock = clock;
        this.slotMillis = Math.max(1, window.toMillis() / slots);
        this.slots = new AtomicReferenceArray<>(slots);
    }

    void record(long nanos) {
        long epoch = clock.millis() / slotMillis;
        int index = (int) (epoch % slots.length());
        Slot slot = slots.get(index);
        while (slot == null || slot.epoch() != epoch) {
            Slot fresh = new Slot(epoch, new ConcurrentHistogram(3));
            if (slots.compareAndSet(index, slot, fresh)) {
                slot = fresh;
            } else {
                slot = slots.get(index);
            }
        }
        slot.histogram().recordValue(Math.max(1, nanos));
    }

    /** The calls of the window merged into one histogram (nanoseconds). */
    Histogram snapshot() {
        long oldest = clock.millis() / slotMillis - slots.length() + 1;
        Histogram merged = new Histogram(3);
        for (int i = 0; i < slots.length(); i++) {
            Slot slot = slots.get(i);
            if (slot != null && slot.epoch() >= oldest) {
                merged.add(slot.histogram());
            }
        }
        return merged;
    }
}
