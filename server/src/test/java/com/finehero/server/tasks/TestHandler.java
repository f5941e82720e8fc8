package com.finehero.server.tasks;

import java.time.Duration;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.google.protobuf.Struct;

/** A task type a test defines with a lambda; each gets a unique name so test classes never share one. */
final class TestHandler extends AbstractTaskHandler {

    interface Body {
        Struct run(TaskContext context) throws Exception;
    }

    private final Body body;

    TestHandler(Defaults defaults, Body body) {
        super(new TaskType("t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10),
                PayloadSpec.builder().string("label", false, null, 100).build(), defaults,
                TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_API_USER)));
        this.body = body;
    }

    static TestHandler of(Body body) {
        return new TestHandler(new Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(10), 8), body);
    }

    @Override
    public Struct run(TaskContext context) throws Exception {
        return body.run(context);
    }
}
