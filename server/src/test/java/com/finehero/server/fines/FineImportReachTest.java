package com.finehero.server.fines;

import java.util.Set;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.fines.v1.Fine;
import com.finehero.server.platform.security.Principal;
import io.grpc.Context;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A fine_import runs as its submitter: a row may name only owners the submitter may write for. */
class FineImportReachTest {

    private static Principal caller(String subject, Role role) {
        return new Principal(subject, subject, Set.of(role), Principal.Credential.ACCESS_TOKEN, "", null);
    }

    @Test
    void aCallerWhoSeesOnlyTheirOwnFinesImportsOnlyTheirOwn() throws Exception {
        Fine mine = Fine.newBuilder().setOwnerId("u-1").build();
        Fine someoneElses = Fine.newBuilder().setOwnerId("u-2").build();
        Context viewer = caller("u-1", Role.ROLE_VIEWER).attach(Context.ROOT);
        assertThat(viewer.call(() -> FineImportHandler.outOfReach(mine))).isNull();
        assertThat(viewer.call(() -> FineImportHandler.outOfReach(someoneElses)))
                .isEqualTo("owner_id: u-2 (expected: u-1, the only owner the submitter may write for)");
        assertThat(caller("k-1", Role.ROLE_API_USER).attach(Context.ROOT).call(() -> FineImportHandler.outOfReach(someoneElses))).isNull();
    }
}
