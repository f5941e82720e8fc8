package com.finehero.server.tasks;

import java.util.List;

import com.finehero.api.events.v1.Event;
import com.finehero.api.events.v1.EventKind;
import com.finehero.api.events.v1.EventTopic;
import com.finehero.api.tasks.v1.Task;
import com.finehero.server.platform.events.EventAccess;
import com.finehero.server.platform.events.NewEvent;

/**
 * Tasks on the event feed: every state change and progress report the store writes is recorded with
 * it as a TASK_CHANGED event, heard by whoever may read the task ({@link TaskAccess#sees}).
 */
public final class TaskFeedEvents {

    /** The feed topic of tasks. */
    public static final String TOPIC = "tasks";

    private TaskFeedEvents() {
    }

    /** The tasks topic's read rule, the one GetTask applies. */
    public static EventAccess access() {
        return (caller, event) -> TaskAccess.sees(caller, event.ownerId());
    }

    static NewEvent changed(Task snapshot) {
        // the worker is named only while it holds the task, as the stored task shows it
        Task task = snapshot.getState() == com.finehero.api.tasks.v1.TaskState.TASK_STATE_RUNNING ? snapshot : snapshot.toBuilder().clearWorker().build();
        byte[] payload = Event.newBuilder().setTopic(EventTopic.EVENT_TOPIC_TASKS).setKind(EventKind.EVENT_KIND_TASK_CHANGED)
                .setTask(task).build().toByteArray();
        return new NewEvent(TOPIC, EventKind.EVENT_KIND_TASK_CHANGED.name(), task.getId(), task.getSubmitter(), "", payload);
    }

    static List<NewEvent> changed(List<Task> tasks) {
        return tasks.stream().map(TaskFeedEvents::changed).toList();
    }
}
