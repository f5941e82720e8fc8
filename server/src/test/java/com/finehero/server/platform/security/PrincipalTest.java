package com.finehero.server.platform.security;

import io.grpc.Context;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** No caller attached means no principal, not the system's roles. */
class PrincipalTest {

    @Test
    void currentOutsideACallFailsClosed() {
        assertThatThrownBy(Principal::current).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no caller");
    }

    @Test
    void workThatOptsInRunsAsTheSystem() throws Exception {
        assertThat(Principal.SYSTEM.attach(Context.ROOT).call(Principal::current)).isSameAs(Principal.SYSTEM);
    }
}
