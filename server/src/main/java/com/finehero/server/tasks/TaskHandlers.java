package com.finehero.server.tasks;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.server.platform.errors.FineHeroException;

/** The registered task types, each with its handler and effective settings (config over defaults). */
public final class TaskHandlers {

    private final Map<String, TaskHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Integer> concurrencyOverrides;

    public TaskHandlers(Map<String, Integer> concurrencyOverrides) {
        this.concurrencyOverrides = Map.copyOf(concurrencyOverrides);
    }

    /** Registers a type; a second handler for one type is a programming error. */
    public void register(TaskHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!handler.type().matches("[a-z][a-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("task type '" + handler.type() + "' must match [a-z][a-z0-9_]*");
        }
        if (handlers.putIfAbsent(handler.type(), handler) != null) {
            throw new IllegalStateException("task type " + handler.type() + " is registered twice");
        }
    }

    /** The handler of a type, or INVALID_ARGUMENT naming the known types. */
    public TaskHandler require(String type) {
        TaskHandler handler = handlers.get(type);
        if (handler == null) {
            throw FineHeroException.invalidField("type", "unknown task type '" + type + "' (known: "
                    + String.join(", ", types()) + ")");
        }
        return handler;
    }

    public TaskHandler find(String type) {
        return handlers.get(type);
    }

    public List<String> types() {
        return handlers.keySet().stream().sorted().toList();
    }

    /** Handlers of this type that may run at once on this instance. */
    public int concurrency(String type) {
        Integer override = concurrencyOverrides.get(type);
        if (override != null) {
            return override;
        }
        TaskHandler handler = handlers.get(type);
        return handler == null ? 0 : handler.defaults().concurrency();
    }
}
