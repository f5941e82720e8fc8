package com.finehero.server.tasks;

/** Thrown by {@link TaskContext#checkCancelled()}; the task ends CANCELLED, not FAILED. */
final class TaskCancelledException extends RuntimeException {
    public TaskCancelledException(String taskId) {
        super("task " + taskId + " was cancelled", null, false, false);
    }
}
