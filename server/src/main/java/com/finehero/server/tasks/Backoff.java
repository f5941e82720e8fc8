package com.finehero.server.tasks;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: after the n-th failed attempt the delay is
 * {@code base x 2^(n-1)}, capped at {@code max}, then multiplied by a random factor in
 * [1 - JITTER, 1 + JITTER] so tasks that failed together do not retry together, and capped again.
 */
final class Backoff {

    public static final double JITTER = 0.2;

    private Backoff() {
    }

    /**
     * @param failedAttempts  attempts that failed so far (1 after the first failure)
     * @param random          uniform in [0, 1)
     */
    public static Duration delay(Duration base, Duration max, int failedAttempts, DoubleSupplier random) {
        long baseMillis = Math.max(0, base.toMillis());
        long maxMillis = Math.max(baseMillis, max.toMillis());
        int exponent = Math.max(0, Math.min(failedAttempts - 1, 40));
        double exponential = Math.min((double) maxMillis, baseMillis * Math.pow(2, exponent));
        double factor = 1 - JITTER + 2 * JITTER * random.getAsDouble();
        return Duration.ofMillis(Math.round(Math.min(maxMillis, exponential * factor)));
    }

    /** The smallest delay {@link #delay} can give (tests check windows with it). */
    public static Duration lowest(Duration base, Duration max, int failedAttempts) {
        return delay(base, max, failedAttempts, () -> 0);
    }

    /** The largest delay {@link #delay} can give. */
    public static Duration highest(Duration base, Duration max, int failedAttempts) {
        return delay(base, max, failedAttempts, () -> 1);
    }
}
