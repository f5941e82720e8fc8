package com.finehero.server.platform.retention;

import java.sql.SQLException;
import java.time.Duration;

import com.finehero.server.testing.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention on H2's plain tables: expired rows are deleted, exactly at the retention. */
class RetentionOnH2Test extends RetentionContractTest {

    @Override
    Backend backend() {
        return Backend.H2;
    }

    @Test
    void expiredRowsAreDeletedOneByOneToTheSecond() throws SQLException {
        outboxRow("a-minute-past-retention", NOW.minus(TWO_DAYS).minus(Duration.ofMinutes(1)));
        outboxRow("a-minute-inside", NOW.minus(TWO_DAYS).plus(Duration.ofMinutes(1)));

        Upkeep upkeep = keepOutbox(NOW);

        assertThat(upkeep.deleted()).isEqualTo(1);
        assertThat(upkeep.created()).isEmpty();
        assertThat(upkeep.dropped()).isEmpty();
        assertThat(outboxRecords()).containsExactly("a-minute-inside");
    }
}
