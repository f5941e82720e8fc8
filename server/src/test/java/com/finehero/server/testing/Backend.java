package com.finehero.server.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Where a test's FineHero keeps its data. H2 is the embedded default; POSTGRES_REDIS is production
 * mode against the PostgreSQL and Redis on this machine (override with FINEHERO_TEST_PG_URL,
 * FINEHERO_TEST_PG_USER and FINEHERO_TEST_REDIS). Each started app gets its own schema and Redis key
 * prefix, so test classes never share state. An unreachable backend fails the test, naming the
 * variable to set; it never skips.
 */
public enum Backend {
    H2,
    POSTGRES_REDIS;

    public static String pgUrl() {
        return env("FINEHERO_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    }

    public static String pgUser() {
        return env("FINEHERO_TEST_PG_USER", "postgres");
    }

    public static String redisAddress() {
        return env("FINEHERO_TEST_REDIS", "redis://127.0.0.1:6379");
    }

    /** A fresh, isolated store: config overrides for {@code finehero.db} and {@code finehero.redis}. */
    public Isolation isolate() {
        String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> settings = new HashMap<>();
        return switch (this) {
            case H2 -> {
                settings.put("finehero.db.url", "jdbc:h2:mem:fh_" + unique
                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
                settings.put("finehero.redis.address", "");
                yield new Isolation(settings, () -> { });
            }
            case POSTGRES_REDIS -> {
                String schema = "t_" + unique;
                requirePostgres();
                requireRedis();
                settings.put("finehero.db.url", pgUrl());
                settings.put("finehero.db.user", pgUser());
                settings.put("finehero.db.schema", schema);
                settings.put("finehero.redis.address", redisAddress());
                settings.put("finehero.redis.prefix", "fhtest-" + unique);
                // originals go to a directory of the test's own, not ./data/blobs of the working directory
                java.nio.file.Path blobs = blobDirectory(unique);
                settings.put("finehero.blobs.directory", blobs.toString());
                yield new Isolation(settings, () -> {
                    dropSchema(schema);
                    deleteTree(blobs);
                });
            }
        };
    }

    private static java.nio.file.Path blobDirectory(String unique) {
        try {
            return java.nio.file.Files.createTempDirectory("fhtest-blobs-" + unique);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteTree(java.nio.file.Path root) {
        if (!java.nio.file.Files.exists(root)) {
            return; // a sweep of the temporary directory may have taken it already
        }
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(path);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Settings for one isolated store and how to clean it up. */
    public record Isolation(Map<String, String> settings, Runnable cleanup) { }

    private static void requirePostgres() {
        try (Connection connection = DriverManager.getConnection(pgUrl(), pgUser(), "")) {
            connection.isValid(2);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + pgUrl() + " as " + pgUser()
                    + " (" + e.getMessage() + "). Start it (see .ci/run) or set FINEHERO_TEST_PG_URL / FINEHERO_TEST_PG_USER.", e);
        }
    }

    private static void requireRedis() {
        Config config = new Config();
        config.useSingleServer().setAddress(redisAddress()).setConnectTimeout(2000).setRetryAttempts(0);
        RedissonClient client = null;
        try {
            client = Redisson.create(config);
            client.getKeys().count();
        } catch (RuntimeException e) {
            throw new IllegalStateException("Redis is not reachable at " + redisAddress()
                    + " (" + e.getMessage() + "). Start it (see .ci/run) or set FINEHERO_TEST_REDIS.", e);
        } finally {
            if (client != null) {
                client.shutdown();
            }
        }
    }

    private static void dropSchema(String schema) {
        try (Connection connection = DriverManager.getConnection(pgUrl(), pgUser(), "");
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test schema " + schema, e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
