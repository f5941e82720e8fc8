package com.finehero.server.tasks;

import java.time.Duration;

import com.google.protobuf.Struct;

/**
 * {@code noop}: does nothing and succeeds. Measures the engine itself (the throughput benchmark and
 * the crash test) and checks that workers are alive.
 */
public final class NoopHandler implements TaskHandler {

    public static final String TYPE = "noop";
    private static final PayloadSpec PAYLOAD = PayloadSpec.builder().string("note", false, null, 200).build();

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public PayloadSpec payload() {
        return PAYLOAD;
    }

    @Override
    public Defaults defaults() {
        return new Defaults(5, Duration.ofSeconds(1), Duration.ofMinutes(1), 10_000);
    }

    @Override
    public Struct run(TaskContext context) {
        return Struct.getDefaultInstance();
    }
}
