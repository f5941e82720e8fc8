package com.finehero.server.tasks;

import java.time.Duration;

import com.finehero.api.auth.v1.Role;
import com.google.protobuf.Struct;

/**
 * {@code noop}: does nothing and succeeds. Measures the engine itself (the throughput benchmark and
 * the crash test) and checks that workers are alive.
 */
final class NoopHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("noop",
            PayloadSpec.builder().string("note", false, null, 200).build(),
            new Defaults(5, Duration.ofSeconds(1), Duration.ofMinutes(1), 10_000),
            TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_API_USER));

    public NoopHandler() {
        super(TYPE);
    }

    @Override
    public Struct run(TaskContext context) {
        return Struct.getDefaultInstance();
    }
}
