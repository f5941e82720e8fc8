package com.finehero.server.platform.db;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlowQueriesNormaliseTest {

    @Test
    void literalsAndSpacingAreFolded() {
        assertThat(SlowQueries.normalise("SELECT *  FROM fines\n WHERE id = 'abc''d' AND n > 42.5"))
                .isEqualTo("SELECT * FROM fines WHERE id = ? AND n > ?");
    }

    @Test
    void fastStatementsAreIgnoredAndTheSlowestComeFirst() {
        SlowQueries slow = new SlowQueries(Duration.ofMillis(10), 2, Clock.systemUTC());
        slow.record("SELECT 1", Duration.ofMillis(5).toNanos());
        slow.record("SELECT a FROM t WHERE x = 1", Duration.ofMillis(20).toNanos());
        slow.record("SELECT a FROM t WHERE x = 2", Duration.ofMillis(40).toNanos());
        slow.record("SELECT b FROM u", Duration.ofMillis(30).toNanos());
        assertThat(slow.slowest(10)).extracting(SlowQueries.Entry::statement)
                .containsExactly("SELECT a FROM t WHERE x = ?", "SELECT b FROM u");
        assertThat(slow.slowest(10).getFirst().count()).isEqualTo(2);
        slow.record("SELECT c FROM v", Duration.ofMillis(15).toNanos());
        assertThat(slow.slowest(10)).hasSize(2).extracting(SlowQueries.Entry::statement)
                .doesNotContain("SELECT a FROM t WHERE x = ?").as("least recently seen goes first");
    }
}
