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
