package com.finehero.server.tasks;

import java.util.Objects;

/** A handler of one declared task type; subclasses add the work ({@link #run}) and any submission check. */
public abstract class AbstractTaskHandler implements TaskHandler {

    private final TaskType type;

    protected AbstractTaskHandler(TaskType type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public final TaskType type() {
        return type;
    }
}
