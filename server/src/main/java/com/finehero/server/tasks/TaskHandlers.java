package com.finehero.server.tasks;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.server.platform.errors.FineHeroException;

/**
 * The registered task types, each with its declaration, its handler and its effective concurrency
 * (config over the declared default).
 */
final class TaskHandlers {

    private final Map<String, TaskHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Integer> concurrencyOverrides;

    public TaskHandlers(Map<String, Integer> concurrencyOverrides) {
        this.concurrencyOverrides = Map.copyOf(concurrencyOverrides);
    }

    /** Registers a type; a second handler for one type is a programming error. */
    public void register(TaskHandler handler) {
        Objects.requireNonNull(handler, "handler");
        String name = handler.type().name();
        if (handlers.putIfAbsent(name, handler) != null) {
            throw new IllegalStateException("task type " + name + " is registered twice");
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

    /** The names of the registered types, sorted. */
    public List<String> types() {
        return handlers.keySet().stream().sorted().toList();
    }

    /** How a registered type is declared: payload, defaults and who may submit it. */
    public Optional<TaskType> declaration(String type) {
        return Optional.ofNullable(handlers.get(type)).map(TaskHandler::type);
    }

    /** The declarations of every registered type, sorted by name. */
    public List<TaskType> declarations() {
        return types().stream().map(handlers::get).filter(Objects::nonNull).map(TaskHandler::type).toList();
    }

    /** Handlers of this type that may run at once on this instance. */
    public int concurrency(String type) {
        Integer override = concurrencyOverrides.get(type);
        if (override != null) {
            return override;
        }
        TaskHandler handler = handlers.get(type);
        return handler == null ? 0 : handler.type().defaults().concurrency();
    }
}
