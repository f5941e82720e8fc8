package com.finehero.server.client;

import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.client.FineHeroException;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** FineHeroClient.call turns statuses into exceptions a Java caller can catch by kind, details included. */
class TypedClientErrorsTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void failuresArriveAsTypedExceptionsWithTheServersDetails() {
        FineHeroClient client = APP.client();
        FineHeroException.NotFound missing = catchThrowableOfType(FineHeroException.NotFound.class, () -> client.call(() ->
                client.fines().getFine(GetFineRequest.newBuilder().setFineId("00000000-0000-0000-0000-000000000000").build())));
        assertThat(missing.reason()).isEqualTo("FINE_NOT_FOUND");

        FineHeroException.InvalidArgument invalid = catchThrowableOfType(FineHeroException.InvalidArgument.class, () -> client.call(() ->
                client.fines().getFine(GetFineRequest.newBuilder().setFineId("not-a-uuid").build())));
        assertThat(invalid.violations()).extracting(FineHeroException.FieldViolation::field).contains("fine_id");

        try (FineHeroClient anonymous = FineHeroClient.builder().target("127.0.0.1", APP.port()).build()) {
            FineHeroException.Unauthenticated refused = catchThrowableOfType(FineHeroException.Unauthenticated.class, () -> anonymous.call(() ->
                    anonymous.fines().getFine(GetFineRequest.newBuilder().setFineId("00000000-0000-0000-0000-000000000000").build())));
            assertThat(refused.reason()).isEqualTo("CREDENTIALS_MISSING");
        }
    }
}
