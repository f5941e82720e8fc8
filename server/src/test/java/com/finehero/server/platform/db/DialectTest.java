package com.finehero.server.platform.db;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DialectTest {

    @Test
    void theUrlChoosesTheDialect() {
        assertThat(Dialect.of("jdbc:postgresql://127.0.0.1:5432/test")).isEqualTo(new Dialect.PostgreSql());
        assertThat(Dialect.of("jdbc:h2:./data/finehero;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE")).isEqualTo(new Dialect.H2());
    }

    @Test
    void anH2UrlGainsTheSettingsFineHerosSqlNeedsAndKeepsItsOwn() {
        assertThat(new Dialect.H2().connectionUrl("jdbc:h2:file:/srv/finehero/db"))
                .isEqualTo("jdbc:h2:file:/srv/finehero/db;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE");
        String shipped = "jdbc:h2:./data/finehero;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
        assertThat(new Dialect.H2().connectionUrl(shipped)).isEqualTo(shipped + ";DB_CLOSE_ON_EXIT=FALSE");
        assertThat(new Dialect.H2().connectionUrl("jdbc:h2:mem:x;mode=postgresql;DB_CLOSE_ON_EXIT=TRUE;CACHE_SIZE=8192"))
                .isEqualTo("jdbc:h2:mem:x;mode=postgresql;DB_CLOSE_ON_EXIT=TRUE;CACHE_SIZE=8192;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        String postgres = "jdbc:postgresql://127.0.0.1:5432/finehero?sslmode=require";
        assertThat(new Dialect.PostgreSql().connectionUrl(postgres)).isEqualTo(postgres);
    }

    @Test
    void anH2UrlThatSetsWhatFineHeroNeedsOtherwiseIsRefusedByName() {
        assertThatThrownBy(() -> new Dialect.H2().connectionUrl("jdbc:h2:file:/srv/finehero/db;MODE=MySQL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finehero.db.url sets MODE=MySQL")
                .hasMessageContaining("MODE=PostgreSQL")
                .hasMessageContaining("FINEHERO_DB_URL");
        assertThatThrownBy(() -> new DbConfig("jdbc:h2:mem:x;DATABASE_TO_LOWER=FALSE", "sa", "", "", 0, 2,
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(5), new DbConfig.Faults(0, 10, 50, java.time.Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DATABASE_TO_LOWER=FALSE");
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
