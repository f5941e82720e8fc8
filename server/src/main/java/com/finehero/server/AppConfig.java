package com.finehero.server;

import java.time.Duration;
import java.util.Objects;

import com.finehero.server.auth.AuthConfig;
import com.finehero.server.documents.DocumentsConfig;
import com.finehero.server.fines.PaymentsConfig;
import com.finehero.server.monitoring.AlertsConfig;
import com.finehero.server.platform.blob.BlobConfig;
import com.finehero.server.platform.cache.CacheConfig;
import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.config.ConfigValues;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.events.EventsConfig;
import com.finehero.server.platform.rest.RestConfig;
import com.finehero.server.platform.security.AuditLog;
import com.finehero.server.platform.security.HttpSecurity;
import com.finehero.server.platform.security.RateLimits;
import com.finehero.server.tasks.TasksConfig;
import io.helidon.config.Config;

/**
 * Every setting FineHero reads, read once at start-up, each key in one place; a wrong or missing
 * value fails here, naming its key and env var. The defaults live only in {@code application.yaml}.
 *
 * @param server            Helidon's own {@code server.*} (port, TLS, protocols, observe), handed to its builders
 * @param grpcCompression   {@code server.protocols.grpc.enable-compression}: false refuses compressed requests
 * @param grpcReflection    {@code server.features.grpc-reflection.enabled}: serve gRPC server reflection
 * @param maxMessageBytes   largest gRPC request message ({@code finehero.rpc.max-message-bytes})
 * @param documents         document limits ({@code finehero.documents})
 * @param blobs             where original files are kept ({@code finehero.blobs})
 * @param audit             where audit events wait while the database is down ({@code finehero.security.audit})
 * @param auditRetention    how long audit events are kept ({@code finehero.security.audit.retention})
 * @param shutdownDrain     how long a stop waits for calls in flight ({@code finehero.shutdown.drain})
 * @param events            the event feed ({@code finehero.events})
 */
record AppConfig(Config server, boolean grpcCompression, boolean grpcReflection, int maxMessageBytes, DbConfig db, RedisConfig redis,
                 CacheConfig cache, DocumentsConfig documents, BlobConfig blobs, PaymentsConfig payments, TasksConfig tasks,
                 AlertsConfig alerts, AuthConfig auth, RateLimits rateLimits, HttpSecurity.Cors cors, AuditLog.Spooling audit,
                 Duration auditRetention, RestConfig rest, Observe observe, Health health, Duration shutdownDrain, EventsConfig events) {

    /**
     * {@code finehero.observe.*}.
     *
     * @param metrics    per-RPC RED metrics
     * @param accessLog  one log line per call
     * @param window     sliding window of the latency percentiles
     * @param tracing    spans through the OpenTelemetry API (W3C trace context is propagated either way)
     */
    record Observe(boolean metrics, boolean accessLog, Duration window, boolean tracing) {
    }

    /**
     * {@code finehero.health.*}.
     *
     * @param interval           how often the background checks run
     * @param databaseInterval   how often the database alone is probed (readiness follows it)
     * @param oldestPendingWarn  the task engine is DEGRADED when the oldest pending task has waited longer
     */
    record Health(Duration interval, Duration databaseInterval, HealthMonitor.Limits limits, Duration oldestPendingWarn) {
    }

    AppConfig {
        Objects.requireNonNull(server, "server");
        if (auth.enabled() && auth.jwkSet().isEmpty() && db.dialect().shared()) {
            throw new IllegalArgumentException("finehero.auth.jwt.keys (or keys-file) is required with a shared database: "
                    + "every instance must verify the tokens the others sign");
        }
    }

    /** A duration that must be above zero, or the start fails naming the key. */
    private static Duration positive(Config node, String key, String example) {
        Duration value = ConfigValues.duration(node, key);
        if (value.isZero()) {
            throw new IllegalArgumentException("configuration " + node.key() + "." + key + " = " + value
                    + " is invalid: expected a positive duration such as " + example);
        }
        return value;
    }

    static AppConfig from(Config config) {
        Config finehero = config.get("finehero");
        Config observe = finehero.get("observe");
        Config health = finehero.get("health");
        DbConfig db = DbConfig.from(finehero.get("db"));
        return new AppConfig(
                config.get("server"),
                ConfigValues.bool(config.get("server.protocols.grpc"), "enable-compression"),
                ConfigValues.bool(config.get("server.features.grpc-reflection"), "enabled"),
                ConfigValues.intInRange(finehero.get("rpc"), "max-message-bytes", 1024, 256 * 1024 * 1024),
                db,
                RedisConfig.from(finehero.get("redis")),
                CacheConfig.from(finehero.get("cache")),
                DocumentsConfig.from(finehero.get("documents")),
                BlobConfig.from(finehero.get("blobs")),
                PaymentsConfig.from(finehero.get("payments")),
                TasksConfig.from(finehero.get("tasks")),
                AlertsConfig.from(finehero.get("monitoring.alerts")),
                AuthConfig.from(finehero.get("auth")),
                RateLimits.from(finehero.get("security.rate-limits")),
                HttpSecurity.Cors.from(finehero.get("security.cors")),
                AuditLog.Spooling.from(finehero.get("security.audit"), db.url() + " " + db.schema()),
                positive(finehero.get("security.audit"), "retention", "P400D"),
                RestConfig.from(finehero.get("rest")),
                new Observe(ConfigValues.bool(observe, "metrics"), ConfigValues.bool(observe, "access-log"),
                        ConfigValues.duration(observe, "window"), ConfigValues.bool(observe.get("tracing"), "enabled")),
                new Health(ConfigValues.duration(health, "interval"), ConfigValues.duration(health, "database-interval"),
                        HealthMonitor.Limits.from(health),
                        ConfigValues.duration(health.get("tasks"), "oldest-pending-warn")),
                ConfigValues.duration(finehero.get("shutdown"), "drain"),
                EventsConfig.from(finehero.get("events")));
    }
}
