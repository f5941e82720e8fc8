package com.finehero.server.platform.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The status of one resource from its recent samples rather than the last one: the status changes
 * only when the new level held in at least {@code hold} of the last {@code window} samples, so one busy
 * CPU sample does not flip health back and forth. Not thread-safe: the health scheduler alone feeds it.
 */
final class Hysteresis {

    private record Sample(HealthMonitor.Status status, Instant at) { }

    private final int window;
    private final int hold;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private HealthMonitor.Status current = HealthMonitor.Status.UP;

    Hysteresis(int window, int hold) {
        if (window < 1 || hold < 1 || hold > window) {
            throw new IllegalArgumentException("health hysteresis: hold " + hold + " of window " + window
                    + " (expected: 1 <= hold <= window)");
        }
        this.window = window;
        this.hold = hold;
    }

    /** The status after this sample: the sample's own once it held often enough, else the one before. */
    HealthMonitor.Status next(HealthMonitor.Status sampled, Instant at) {
        samples.addLast(new Sample(sampled, at));
        if (samples.size() > window) {
            samples.removeFirst();
        }
        if (sampled != current && held(sampled) >= hold) {
            current = sampled;
        }
        return current;
    }

    /** How long the current status has held, from the oldest sample in the window that agrees with it. */
    Duration heldFor(Instant now) {
        Instant oldest = now;
        for (Sample sample : samples) {
            if (agrees(sample.status(), current)) {
                oldest = sample.at();
                break;
            }
        }
        return Duration.between(oldest, now);
    }

    int hold() {
        return hold;
    }

    int window() {
        return window;
    }

    /** Samples at least as bad as a worse status, or at least as good as a better one. */
    private int held(HealthMonitor.Status target) {
        int count = 0;
        for (Sample sample : samples) {
            if (agrees(sample.status(), target)) {
                count++;
            }
        }
        return count;
    }

    private boolean agrees(HealthMonitor.Status sample, HealthMonitor.Status target) {
        return target.compareTo(current) >= 0 ? sample.compareTo(target) >= 0 : sample.compareTo(target) <= 0;
    }
}
