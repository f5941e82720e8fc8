package com.finehero.server.testing;

import com.finehero.server.platform.errors.FineHeroException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What domain code refused, for tests of rules without a server (GrpcErrors is the same over the wire). */
public final class Refusals {

    private Refusals() {
    }

    /** Runs the call, asserts it throws a {@code type}, and returns it for more checks. */
    public static <T extends FineHeroException> T refused(Class<T> type, ThrowingCallable call) {
        T e = catchThrowableOfType(type, call);
        assertThat(e).as("expected a " + type.getSimpleName()).isNotNull();
        return e;
    }

    /** Asserts the call names exactly one invalid field, with a description containing {@code description}. */
    public static void invalidField(ThrowingCallable call, String field, String description) {
        FineHeroException.InvalidArgument e = refused(FineHeroException.InvalidArgument.class, call);
        assertThat(e.reason()).isEqualTo("INVALID_FIELD");
        assertThat(e.violations()).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo(field);
            assertThat(v.description()).contains(description);
        });
    }
}
