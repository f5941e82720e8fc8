package com.finehero.server.tasks;

import java.time.Instant;

/** What a running handler sees of its task and how it talks back. */
public interface TaskContext {

    String taskId();

    /** 1 for the first attempt. */
    int attempt();

    Payload payload();

    /** The engine's clock (tests move it). */
    Instant now();

    /** Records progress (0-100) and what is happening; watchers see it at once. */
    void progress(int percent, String message);

    /** Whether CancelTask was called; a long handler checks it between steps. */
    boolean cancelled();

    /** Throws {@link TaskCancelledException} once the task is cancelled. */
    default void checkCancelled() {
        if (cancelled() || Thread.currentThread().isInterrupted()) {
            throw new TaskCancelledException(taskId());
        }
    }
}
