package com.finehero.server.tasks;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import com.finehero.api.tasks.v1.Task;

/**
 * In-process notifications of task changes made by this instance, for code running beside the engine
 * (tests). Watchers (WatchTask, WatchEvents) hear of changes through the event feed, which carries the
 * changes of every instance.
 */
final class TaskEvents {

    private final Map<String, Set<Consumer<Task>>> watchers = new ConcurrentHashMap<>();

    /** Calls {@code listener} with every snapshot of the task published here until closed. */
    public AutoCloseable watch(String taskId, Consumer<Task> listener) {
        watchers.computeIfAbsent(taskId, id -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> watchers.computeIfPresent(taskId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    public void publish(Task task) {
        Set<Consumer<Task>> listeners = watchers.get(task.getId());
        if (listeners != null) {
            listeners.forEach(listener -> listener.accept(task));
        }
    }
}
