package com.finehero.server.platform.db;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code finehero.db.replicas} as configured, and the consistency token's form. */
class ReplicaConfigTest {

    private static final DbConfig.Faults FAULTS = new DbConfig.Faults(3, 10, 50, Duration.ofSeconds(1));

    private static DbConfig withReplicas(String url, String replicas) {
        return new DbConfig(url, "sa", "", "", 1, 10, Duration.ofSeconds(5), Duration.ofSeconds(1), FAULTS,
                DbConfig.Pooler.NONE, "", new DbConfig.Replicas(DbConfig.Replicas.split(replicas), Duration.ofSeconds(5),
                Duration.ofSeconds(1), 4));
    }

    @Test
    void anEmbeddedDatabaseHasNoReplicas() {
        assertThatThrownBy(() -> withReplicas("jdbc:h2:mem:x", "jdbc:postgresql://127.0.0.1:5433/test"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finehero.db.replicas").hasMessageContaining("embedded").hasMessageContaining("FINEHERO_DB_REPLICAS");
    }

    @Test
    void replicasAreCommaSeparatedAndMultiHostUrlsStayWhole() {
        assertThat(DbConfig.Replicas.split("jdbc:postgresql://a:5432/db, jdbc:postgresql://b:5432,c:5432/db?ssl=true"))
                .containsExactly("jdbc:postgresql://a:5432/db", "jdbc:postgresql://b:5432,c:5432/db?ssl=true");
        assertThat(DbConfig.Replicas.split("")).isEmpty();
        assertThat(withReplicas("jdbc:postgresql://p/db", "").replicas().enabled()).isFalse();
        assertThatThrownBy(() -> withReplicas("jdbc:postgresql://p/db", "replica-host:5432"))
                .hasMessageContaining("'replica-host:5432'").hasMessageContaining("jdbc:postgresql:");
    }

    @Test
    void aReplicaIsNamedWithoutCredentialsOrParameters() {
        assertThat(Replicas.name("jdbc:postgresql://u:secret@10.0.0.2:5433/finehero?password=secret")).isEqualTo("10.0.0.2:5433/finehero");
    }

    @Test
    void tokensAreWalPositions() {
        assertThat(Consistency.parse("16/B374D848")).isEqualTo(0x16_B374D848L);
        assertThat(Consistency.format(0x16_B374D848L)).isEqualTo("16/B374D848");
        assertThat(Consistency.of(List.of("0/10", "1/0", "0/FFFFFFFF")).required()).isEqualTo(1L << 32);
        assertThat(Consistency.of((String) null).required()).isZero();
        for (String bad : List.of("yesterday", "-1/0", "0/", "/1", "123456789/0", "0/1/2")) {
            assertThatThrownBy(() -> Consistency.of(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("x-finehero-consistency");
        }
    }

    @Test
    void aCallReadsAtLeastWhereItLastWrote() {
        Consistency call = Consistency.of("0/100");
        assertThat(call.token()).isEmpty();
        call.wrote(0x200);
        assertThat(call.required()).isEqualTo(0x200);
        assertThat(call.token()).contains("0/200");
        call.wroteAtUnknownPosition();
        assertThat(call.required()).isEqualTo(Long.MAX_VALUE);
        assertThat(call.token()).contains("0/200");
    }
}
