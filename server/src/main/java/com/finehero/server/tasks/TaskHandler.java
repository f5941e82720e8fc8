package com.finehero.server.tasks;

import java.time.Duration;

import com.google.protobuf.Struct;

/**
 * The code behind one declared task type; {@link AbstractTaskHandler} holds the declaration. Handlers
 * must be safe to run again: a task whose worker died is run once more after its lease expires, and
 * a failed attempt is retried.
 */
public interface TaskHandler {

    /** The declared type this handler runs: its name, payload, defaults and who may submit it. */
    TaskType type();

    /**
     * Checks the payload against the current data at submission (e.g. that a fine is contested);
     * throws a {@code FineHeroException}. The default accepts anything the type's payload spec accepts.
     */
    default void check(Payload payload) {
    }

    /**
     * Does the work. Returns the result shown on the task. Throwing fails the attempt (it is retried
     * after a backoff, or the task goes DEAD); it never harms the worker.
     */
    Struct run(TaskContext context) throws Exception;

    /**
     * @param maxAttempts  attempts before DEAD
     * @param backoff      delay before the first retry; it doubles with every further attempt
     * @param maxBackoff   the longest delay between attempts
     * @param concurrency  handlers of this type running at once on one instance
     */
    record Defaults(int maxAttempts, Duration backoff, Duration maxBackoff, int concurrency) {
        public Defaults {
            if (maxAttempts < 1 || concurrency < 1 || backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
                throw new IllegalArgumentException("invalid task defaults");
            }
        }
    }
}
