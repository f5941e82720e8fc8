package com.finehero.server.tasks;

import java.time.Duration;
import java.util.Map;

import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.Struct;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaskHandlersTest {

    static TestHandler handler(int concurrency) {
        return new TestHandler(new TaskHandler.Defaults(1, Duration.ofSeconds(1), Duration.ofSeconds(1), concurrency),
                context -> Struct.getDefaultInstance());
    }

    @Test
    void holdsOneHandlerPerTypeAndItsDeclaration() {
        TestHandler first = handler(3);
        TestHandler second = handler(5);
        TaskHandlers handlers = new TaskHandlers(Map.of(second.type().name(), 1));
        handlers.register(first);
        handlers.register(second);

        assertThatThrownBy(() -> handlers.register(first)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("registered twice");
        assertThat(handlers.find(first.type().name())).isSameAs(first);
        assertThat(handlers.declaration(first.type().name())).contains(first.type());
        assertThat(handlers.declaration("t_missing")).isEmpty();
        assertThat(handlers.declarations()).extracting(TaskType::name).isSorted()
                .containsExactlyInAnyOrder(first.type().name(), second.type().name());
        assertThat(handlers.concurrency(first.type().name())).as("declared default").isEqualTo(3);
        assertThat(handlers.concurrency(second.type().name())).as("configured over the default").isEqualTo(1);
        assertThat(handlers.concurrency("t_missing")).isZero();
        assertThatThrownBy(() -> handlers.require("t_missing"))
                .isInstanceOfSatisfying(FineHeroException.InvalidArgument.class, e ->
                        assertThat(e.getMessage()).contains("unknown task type 't_missing'").contains(first.type().name()));
    }

    @Test
    void aTypeNameIsLowerSnakeCaseAndSubmittersAreRealRoles() {
        TaskHandler.Defaults defaults = new TaskHandler.Defaults(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1);
        assertThatThrownBy(() -> new TaskType("Fine-Import", PayloadSpec.empty(), defaults, TaskType.Submitters.internalOnly()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must match");
        assertThatThrownBy(() -> TaskType.Submitters.roles(Role.ROLE_UNSPECIFIED))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_VIEWER))
                .isEqualTo(new TaskType.Submitters.AnyRole(java.util.Set.of(Role.ROLE_VIEWER, Role.ROLE_ADMIN)));
    }
}
