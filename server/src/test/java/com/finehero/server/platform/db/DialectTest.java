package com.finehero.server.platform.db;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DialectTest {

    @Test
    void theUrlChoosesTheDialect() {
        assertThat(Dialect.of("jdbc:postgresql://127.0.0.1:5432/test")).isEqualTo(new Dialect.PostgreSql());
        assertThat(Dialect.of("jdbc:h2:./data/finehero;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE")).isEqualTo(new Dialect.H2());
    }

    @Test
    void onlyPostgresqlIsSharedByInstancesAndEachHasItsOwnMigrations() {
        Dialect postgres = new Dialect.PostgreSql();
        Dialect h2 = new Dialect.H2();
        assertThat(postgres.shared()).isTrue();
        assertThat(h2.shared()).isFalse();
        assertThat(postgres.migrations()).isEqualTo("classpath:db/postgresql");
        assertThat(h2.migrations()).isEqualTo("classpath:db/h2");
        assertThat(postgres).hasToString("POSTGRESQL");
        assertThat(h2).hasToString("H2");
    }

    @Test
    void aUniqueViolationIsRecognisedThroughItsCauses() {
        SQLException wrapped = new SQLException("batch failed", "XX000",
                new SQLIntegrityConstraintViolationException("duplicate key", "23505"));
        assertThat(new Dialect.H2().isUniqueViolation(wrapped)).isTrue();
        assertThat(new Dialect.PostgreSql().isUniqueViolation(new SQLException("deadlock", "40P01"))).isFalse();
    }
}
