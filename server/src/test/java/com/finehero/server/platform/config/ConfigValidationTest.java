package com.finehero.server.platform.config;

import java.util.Map;

import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.db.DbConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A wrong setting fails at start-up naming the key, the expected form and the env var. */
class ConfigValidationTest {

    private static Config config(Map<String, String> values) {
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(values)).addSource(ConfigSources.classpath("application.yaml")).build();
    }

    @Test
    void defaultsAreTheEmbeddedMode() {
        DbConfig db = DbConfig.from(config(Map.of()).get("finehero.db"));
        assertThat(db.url()).startsWith("jdbc:h2:");
        assertThat(RedisConfig.from(config(Map.of()).get("finehero.redis")).enabled()).isFalse();
    }

    @Test
    void badPoolSizeNamesKeyAndEnvVar() {
        assertThatThrownBy(() -> DbConfig.from(config(Map.of("finehero.db.pool.max", "lots")).get("finehero.db")))
                .hasMessageContaining("finehero.db.pool.max").hasMessageContaining("FINEHERO_DB_POOL_MAX")
                .hasMessageContaining("whole number");
    }

    @Test
    void aTransactionPoolerNeedsPostgresqlAndADirectUrl() {
        String pooled = "jdbc:postgresql://pgbouncer:6432/finehero";
        String direct = "jdbc:postgresql://postgresql:5432/finehero";
        DbConfig db = DbConfig.from(config(Map.of("finehero.db.url", pooled, "finehero.db.pooler", "pgbouncer-transaction",
                "finehero.db.direct-url", direct)).get("finehero.db"));
        assertThat(db.pooler()).isEqualTo(DbConfig.Pooler.PGBOUNCER_TRANSACTION);
        assertThat(db.sessionUrl()).isEqualTo(direct);
        assertThat(DbConfig.from(config(Map.of("finehero.db.url", pooled)).get("finehero.db")).sessionUrl()).isEqualTo(pooled);

        assertThatThrownBy(() -> DbConfig.from(config(Map.of("finehero.db.url", pooled, "finehero.db.pooler", "pgbouncer"))
                .get("finehero.db"))).hasMessageContaining("finehero.db.pooler").hasMessageContaining("pgbouncer-transaction")
                .hasMessageContaining("FINEHERO_DB_POOLER");
        assertThatThrownBy(() -> DbConfig.from(config(Map.of("finehero.db.url", pooled, "finehero.db.pooler", "pgbouncer-transaction"))
                .get("finehero.db"))).hasMessageContaining("finehero.db.direct-url is missing")
                .hasMessageContaining("FINEHERO_DB_DIRECT_dash_URL");
        assertThatThrownBy(() -> DbConfig.from(config(Map.of("finehero.db.pooler", "pgbouncer-transaction",
                "finehero.db.direct-url", direct)).get("finehero.db"))).hasMessageContaining("jdbc:postgresql:");
        assertThatThrownBy(() -> DbConfig.from(config(Map.of("finehero.db.url", pooled, "finehero.db.direct-url", "jdbc:h2:mem:x"))
                .get("finehero.db"))).hasMessageContaining("finehero.db.direct-url");
    }

    @Test
    void badDurationNamesKey() {
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.timeout", "soon")).get("finehero.redis")))
                .hasMessageContaining("finehero.redis.timeout").hasMessageContaining("PT5S");
    }

    @Test
    void unsupportedDatabaseAndRedisUrlsAreRejected() {
        assertThatThrownBy(() -> DbConfig.from(config(Map.of("finehero.db.url", "jdbc:mysql://x")).get("finehero.db")))
                .hasMessageContaining("FINEHERO_DB_URL");
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.address", "localhost:6379")).get("finehero.redis")))
                .hasMessageContaining("redis://host:port");
    }

    @Test
    void redisSentinelAndClusterModesReadTheirNodes() {
        RedisConfig sentinel = RedisConfig.from(config(Map.of("finehero.redis.mode", "sentinel",
                "finehero.redis.sentinel.master", "fh", "finehero.redis.sentinel.addresses", " redis://a:26379, redis://b:26379 ",
                "finehero.redis.sentinel.password", "sentinel-s3cret", "finehero.redis.password", "data-s3cret")).get("finehero.redis"));
        assertThat(sentinel.mode()).isEqualTo(RedisConfig.Mode.SENTINEL);
        assertThat(sentinel.nodes()).containsExactly("redis://a:26379", "redis://b:26379");
        assertThat(sentinel.enabled()).isTrue();
        assertThat(sentinel.toString()).contains("fh").doesNotContain("s3cret");
        RedisConfig cluster = RedisConfig.from(config(Map.of("finehero.redis.mode", "CLUSTER",
                "finehero.redis.cluster.addresses", "redis://c:6379")).get("finehero.redis"));
        assertThat(cluster.mode()).isEqualTo(RedisConfig.Mode.CLUSTER);
        assertThat(cluster.nodes()).containsExactly("redis://c:6379");
    }

    @Test
    void redisModesRefuseWhatTheyCannotUse() {
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.mode", "replicated")).get("finehero.redis")))
                .hasMessageContaining("finehero.redis.mode").hasMessageContaining("single, sentinel or cluster")
                .hasMessageContaining("FINEHERO_REDIS_MODE");
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.mode", "sentinel",
                "finehero.redis.sentinel.addresses", "redis://a:26379")).get("finehero.redis")))
                .hasMessageContaining("finehero.redis.sentinel.master").hasMessageContaining("FINEHERO_REDIS_SENTINEL_MASTER");
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.mode", "cluster")).get("finehero.redis")))
                .hasMessageContaining("finehero.redis.cluster.addresses");
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.mode", "cluster",
                "finehero.redis.cluster.addresses", "redis://c:6379", "finehero.redis.database", "3")).get("finehero.redis")))
                .hasMessageContaining("only database 0");
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.mode", "cluster",
                "finehero.redis.cluster.addresses", "c:6379")).get("finehero.redis")))
                .hasMessageContaining("FINEHERO_REDIS_CLUSTER_ADDRESSES").hasMessageContaining("redis://host:port");
        assertThatThrownBy(() -> RedisConfig.from(config(Map.of("finehero.redis.mode", "sentinel", "finehero.redis.address", "redis://x:1",
                "finehero.redis.sentinel.master", "fh", "finehero.redis.sentinel.addresses", "redis://a:26379")).get("finehero.redis")))
                .hasMessageContaining("leave address empty");
    }

    @Test
    void passwordIsNeverPrinted() {
        DbConfig db = DbConfig.from(config(Map.of("finehero.db.password", "s3cret")).get("finehero.db"));
        assertThat(db.toString()).doesNotContain("s3cret");
    }

    @Test
    void aKeyMissingFromTheSettingsIsNamedNotReplacedByAHiddenDefault() {
        Config withoutYaml = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(Map.of("finehero.db.url", "jdbc:h2:mem:x"))).build();
        assertThatThrownBy(() -> DbConfig.from(withoutYaml.get("finehero.db")))
                .hasMessage("configuration finehero.db.user is missing: expected a value (application.yaml sets every key; "
                        + "env var FINEHERO_DB_USER)");
    }
}
