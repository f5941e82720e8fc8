package com.finehero.bench;

import java.time.Duration;
import java.util.UUID;

import com.finehero.server.platform.db.DbConfig;
import org.junit.jupiter.api.BeforeAll;

/** On embedded H2, whose driver reads time columns as OffsetDateTime where PostgreSQL's reads Timestamp. */
class DbClientBenchOnH2Test extends DbClientBenchContract {

    @BeforeAll
    static void openDatabase() {
        open(new DbConfig("jdbc:h2:mem:dbclient_" + UUID.randomUUID().toString().replace("-", "")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1",
                "sa", "", "", 1, 2, Duration.ofSeconds(5), Duration.ofMillis(500), new DbConfig.Faults(0, 10, 50, Duration.ofSeconds(1))));
    }
}
