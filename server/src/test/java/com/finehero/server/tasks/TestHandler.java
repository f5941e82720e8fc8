package com.finehero.server.tasks;

import java.time.Duration;
import java.util.UUID;

import com.google.protobuf.Struct;

/** A task type a test defines with a lambda; each gets a unique name so test classes never share one. */
final class TestHandler implements TaskHandler {

    interface Body {
        Struct run(TaskContext context) throws Exception;
    }

    private final String type = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final Defaults defaults;
    private final Body body;

    TestHandler(Defaults defaults, Body body) {
        this.defaults = defaults;
        this.body = body;
    }

    static TestHandler of(Body body) {
        return new TestHandler(new Defaults(3, Duration.ofSeconds(10), Duration.ofMinutes(10), 8), body);
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public PayloadSpec payload() {
        return PayloadSpec.builder().string("label", false, null, 100).build();
    }

    @Override
    public Defaults defaults() {
        return defaults;
    }

    @Override
    public Struct run(TaskContext context) throws Exception {
        return body.run(context);
    }
}
