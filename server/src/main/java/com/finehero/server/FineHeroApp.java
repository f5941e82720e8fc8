package com.finehero.server;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;

import com.finehero.api.auth.v1.AuthProto;
import com.finehero.api.documents.v1.DocumentsProto;
import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.monitoring.v1.MonitoringProto;
import com.finehero.server.auth.AccessTokens;
import com.finehero.server.auth.ApiKeys;
import com.finehero.server.auth.AuthConfig;
import com.finehero.server.auth.AuthGrpcService;
import com.finehero.server.auth.BootstrapAdmin;
import com.finehero.server.auth.CredentialsAuthenticator;
import com.finehero.server.auth.JdbcApiKeyStore;
import com.finehero.server.auth.JdbcAuditStore;
import com.finehero.server.auth.JdbcRefreshTokenStore;
import com.finehero.server.auth.JdbcUserStore;
import com.finehero.server.auth.JwksService;
import com.finehero.server.auth.Passwords;
import com.finehero.server.auth.RefreshTokens;
import com.finehero.server.auth.Revocations;
import com.finehero.server.auth.SigningKeys;
import com.finehero.server.auth.UserStore;
import com.finehero.server.monitoring.AlertNotifier;
import com.finehero.server.monitoring.Alerts;
import com.finehero.server.monitoring.AlertsConfig;
import com.finehero.server.monitoring.JdbcAlertStore;
import com.finehero.api.tasks.v1.TasksProto;
import com.finehero.server.monitoring.MonitoringGrpcService;
import com.finehero.server.monitoring.MonitoringTasks;
import com.finehero.server.monitoring.TaskAlertNotifier;
import com.finehero.server.monitoring.WebhookAlertNotifier;
import com.finehero.server.platform.observe.CacheMetrics;
import com.finehero.server.documents.CachedDocumentStore;
import com.finehero.server.documents.DocumentRules;
import com.finehero.server.documents.DocumentTasks;
import com.finehero.server.documents.DocumentsGrpcService;
import com.finehero.server.documents.JdbcDocumentStore;
import com.finehero.server.fines.CachedFineStore;
import com.finehero.server.fines.FineRules;
import com.finehero.server.fines.FineTasks;
import com.finehero.server.fines.FinesGrpcService;
import com.finehero.server.fines.JdbcFineStore;
import com.finehero.server.fines.OverdueSweeper;
import com.finehero.server.platform.cache.Caches;
import com.finehero.server.platform.cache.PageCache;
import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.config.ConfigValues;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.DbConfig;
import com.finehero.server.platform.rpc.ErrorInterceptor;
import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.observe.AccessLogInterceptor;
import com.finehero.server.platform.observe.DashboardService;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.observe.RequestIdInterceptor;
import com.finehero.server.platform.observe.RpcMetrics;
import com.finehero.server.platform.observe.RpcMetricsInterceptor;
import com.finehero.server.platform.observe.TracingInterceptor;
import com.finehero.server.platform.openapi.OpenApiService;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rest.RestBridge;
import com.finehero.server.platform.rest.RestConfig;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.server.platform.rpc.UncompressedOnly;
import com.finehero.server.platform.rpc.ValidationInterceptor;
import com.finehero.server.platform.security.AccessRules;
import com.finehero.server.platform.security.AuditInterceptor;
import com.finehero.server.platform.security.AuditLog;
import com.finehero.server.platform.security.AuthInterceptor;
import com.finehero.server.platform.security.HttpSecurity;
import com.finehero.server.platform.security.RateLimitInterceptor;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;
import com.finehero.server.platform.security.RedisRateLimiter;
import com.finehero.server.tasks.JdbcTaskStore;
import com.finehero.server.tasks.NoopHandler;
import com.finehero.server.tasks.TaskMetrics;
import com.finehero.server.tasks.TaskEngine;
import com.finehero.server.tasks.TaskHandlers;
import com.finehero.server.tasks.TaskRules;
import com.finehero.server.tasks.TasksConfig;
import com.finehero.server.tasks.TasksGrpcService;
import io.grpc.health.v1.HealthProto;
import io.grpc.protobuf.services.HealthStatusManager;
import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.grpc.GrpcReflectionFeature;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.opentelemetry.api.GlobalOpenTelemetry;

/**
 * The one place FineHero is put together: configuration is read into records, then the database,
 * Redis, caches, stores, services and interceptors are created and registered on one Helidon
 * WebServer that serves gRPC and HTTP on one port. {@link Main} and the tests both start the
 * platform through {@link #start}, so tests exercise the real wiring.
 */
public final class FineHeroApp implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FineHeroApp.class.getName());

    private final WebServer server;
    private final HealthMonitor health;
    private final OverdueSweeper overdueSweeper;
    private final Alerts alerts;
    private final TaskEngine tasks;
    private final ScheduledExecutorService maintenance;
    private final List<AutoCloseable> resources;
    private final Duration drainTimeout;
    private volatile boolean closed;

    private FineHeroApp(WebServer server, HealthMonitor health, OverdueSweeper overdueSweeper, Alerts alerts, TaskEngine tasks,
                        ScheduledExecutorService maintenance, List<AutoCloseable> resources, Duration drainTimeout) {
        this.server = server;
        this.health = health;
        this.overdueSweeper = overdueSweeper;
        this.alerts = alerts;
        this.tasks = tasks;
        this.maintenance = maintenance;
        this.resources = resources;
        this.drainTimeout = drainTimeout;
    }

    public static FineHeroApp start(Config config) {
        return start(config, Clock.systemUTC());
    }

    public static FineHeroApp start(Config config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        long started = System.nanoTime();
        Config finehero = config.get("finehero");
        DbConfig dbConfig = DbConfig.from(finehero.get("db"));
        RedisConfig redisConfig = RedisConfig.from(finehero.get("redis"));
        Duration healthInterval = ConfigValues.duration(finehero.get("health"), "interval", Duration.ofSeconds(5));
        TasksConfig tasksConfig = TasksConfig.from(finehero.get("tasks"));
        Duration drainTimeout = ConfigValues.duration(finehero.get("shutdown"), "drain", Duration.ofSeconds(10));
        AlertsConfig alertsConfig = AlertsConfig.from(finehero.get("monitoring.alerts"));

        List<AutoCloseable> resources = new ArrayList<>();
        List<AutoCloseable> stopOnFailure = new ArrayList<>();
        try {
            Database database = Database.open(dbConfig, clock);
            resources.add(database);
            RedisConnector redis = new RedisConnector(redisConfig, clock);
            resources.add(redis);
            redis.connectNow();
            Caches caches = new Caches(finehero.get("cache"), redis, clock);

            DocumentRules documentRules = new DocumentRules(clock,
                    ConfigValues.intInRange(finehero.get("documents"), "max-bytes", 2 * 1024 * 1024, 1024, 64 * 1024 * 1024));
            PageCache searchPages = caches.pages("search", Duration.ofHours(1));
            PageCache documentPages = caches.pages("document-lists", Duration.ofHours(1));
            CachedDocumentStore documents = new CachedDocumentStore(new JdbcDocumentStore(database,
                    ConfigValues.duration(finehero.get("documents"), "query-timeout", Duration.ofSeconds(5))),
                    caches.region("documents", Duration.ofHours(2)), List.of(searchPages, documentPages));

            FineRules fineRules = new FineRules(clock);
            CachedFineStore fines = new CachedFineStore(new JdbcFineStore(database),
                    caches.region("fines", Duration.ofMinutes(30)));
            OverdueSweeper overdueSweeper = new OverdueSweeper(fines, fineRules);

            TaskRules taskRules = new TaskRules(clock, tasksConfig.aging(), tasksConfig.pastTolerance());
            TaskHandlers taskHandlers = new TaskHandlers(tasksConfig.concurrency());
            TaskEngine tasks = new TaskEngine(new JdbcTaskStore(database, taskRules), taskRules, taskHandlers, tasksConfig, redis)
                    .register(FineTasks.handlers(fines, fineRules, overdueSweeper, documents, documentRules))
                    .register(DocumentTasks.handlers(documents))
                    .register(new NoopHandler());
            resources.add(() -> tasks.close(drainTimeout));
            Optional<WebhookAlertNotifier> webhook = Alerts.webhook(alertsConfig);
            webhook.ifPresent(hook -> {
                resources.add(hook);
                tasks.register(MonitoringTasks.handlers(hook, alertsConfig));
            });

            HealthStatusManager grpcHealth = new HealthStatusManager();
            HealthMonitor health = new HealthMonitor(database, redis, grpcHealth, clock, healthLimits(finehero.get("health")));
            resources.add(health);
            Duration oldestPendingWarn = ConfigValues.duration(finehero.get("health.tasks"), "oldest-pending-warn", Duration.ofMinutes(10));
            health.addCheck(() -> tasks.health(oldestPendingWarn));

            // Helidon's /observe/metrics serves its global registry; this is the one place FineHero reads it
            MeterRegistry meters = Metrics.globalRegistry();
            ErrorMapper errors = new ErrorMapper();
            RpcMetrics rpcMetrics = new RpcMetrics(meters, clock,
                    ConfigValues.duration(finehero.get("observe"), "window", Duration.ofMinutes(1)));
            Alerts alerts = Alerts.create(alertsConfig, new JdbcAlertStore(database), database.slowQueries(), redis, health::snapshot,
                    rpcMetrics, clock, webhook.isPresent() ? new TaskAlertNotifier(tasks) : AlertNotifier.none());
            resources.add(alerts);
            RpcPipeline.Builder calls = RpcPipeline.builder()
                    .intercept(new RequestIdInterceptor())
                    .intercept(ConfigValues.bool(finehero.get("observe.tracing"), "enabled", false)
                            ? TracingInterceptor.openTelemetry(GlobalOpenTelemetry.get())
                            : TracingInterceptor.propagationOnly());
            if (ConfigValues.bool(finehero.get("observe"), "metrics", true)) {
                calls.intercept(new RpcMetricsInterceptor(rpcMetrics));
            }
            if (ConfigValues.bool(finehero.get("observe"), "access-log", false)) {
                calls.intercept(new AccessLogInterceptor());
            }

            AuthConfig authConfig = AuthConfig.from(finehero.get("auth"));
            if (authConfig.enabled() && authConfig.jwkSet().isEmpty() && dbConfig.dialect().shared()) {
                throw new IllegalArgumentException("finehero.auth.jwt.keys (or keys-file) is required with a shared database: "
                        + "every instance must verify the tokens the others sign");
            }
            UserStore users = new JdbcUserStore(database, clock);
            Passwords passwords = new Passwords(authConfig.bcryptCost());
            SigningKeys signingKeys = SigningKeys.from(authConfig);
            AccessTokens accessTokens = new AccessTokens(signingKeys, authConfig, clock);
            RefreshTokens refreshTokens = new RefreshTokens(new JdbcRefreshTokenStore(database), clock, authConfig.refreshTokenTtl());
            Revocations revocations = new Revocations(redis, clock, authConfig.accessTokenTtl(), authConfig.revocationCheck());
            ApiKeys apiKeys = new ApiKeys(new JdbcApiKeyStore(database), clock, authConfig.revocationCheck());
            BootstrapAdmin.createIfMissing(authConfig, users, passwords);
            RateLimits rateLimits = RateLimits.from(finehero.get("security.rate-limits"));
            RateLimiter rateLimiter;
            if (redisConfig.enabled()) {
                RedisRateLimiter shared = new RedisRateLimiter(redis, clock, rateLimits.syncEvery());
                resources.add(shared);
                rateLimiter = shared;
            } else {
                rateLimiter = new RateLimiter.Local(clock);
            }
            AuditLog audit = new AuditLog(new JdbcAuditStore(database), clock);
            resources.add(audit);
            AuthGrpcService authService = new AuthGrpcService(users, passwords, accessTokens, refreshTokens, revocations, apiKeys,
                    rateLimiter, rateLimits, audit, clock);
            AccessRules accessRules = new AccessRules();
            calls.intercept(new AuditInterceptor(accessRules, audit));
            if (!config.get("server.protocols.grpc.enable-compression").asBoolean().orElse(true)) {
                calls.intercept(new UncompressedOnly());
            }
            calls.intercept(new ErrorInterceptor(errors));
            if (authConfig.enabled()) {
                calls.intercept(new AuthInterceptor(accessRules, new CredentialsAuthenticator(accessTokens, revocations, apiKeys)));
                if (rateLimits.enabled()) {
                    calls.intercept(new RateLimitInterceptor(rateLimiter, rateLimits));
                }
            } else {
                LOG.log(Level.WARNING, "finehero.auth.enabled is false: every call is allowed, as the system");
            }
            RpcPipeline pipeline = calls
                    .intercept(new ValidationInterceptor())
                    .service(AuthProto.getDescriptor(), authService)
                    .service(FinesProto.getDescriptor(), new FinesGrpcService(fines, fineRules, documents::existing))
                    .service(DocumentsProto.getDescriptor(),
                            new DocumentsGrpcService(documents, documentRules, searchPages, documentPages))
                    .service(MonitoringProto.getDescriptor(), new MonitoringGrpcService(caches, rpcMetrics, database, health::snapshot, alerts,
                            () -> tasks.stats("")))
                    .service(TasksProto.getDescriptor(), new TasksGrpcService(tasks, tasksConfig.watchPoll()))
                    .build();

            health.start(healthInterval,
                    pipeline.services().stream().map(s -> s.definition().getServiceDescriptor().getName()).toList());

            RestBridge rest = new RestBridge(pipeline, errors, RestConfig.from(finehero.get("rest")));
            resources.add(rest);

            GrpcRouting.Builder grpc = GrpcRouting.builder().config(config.get("server.grpc"));
            pipeline.services().forEach(s -> grpc.service(s.file(), s.bindable()));
            grpc.service(HealthProto.getDescriptor(), grpcHealth.getHealthService());

            WebServer server = WebServer.builder()
                    .config(config.get("server"))
                    .featuresDiscoverServices(false)
                    .addFeature(ObserveFeature.builder()
                            .config(config.get("server.features.observe"))
                            .addObserver(HealthObserver.builder()
                                    .useSystemServices(true)
                                    .details(true)
                                    .addCheck(health.readinessCheck())
                                    .build())
                            .addObserver(MetricsObserver.create())
                            .build())
                    .addFeature(GrpcReflectionFeature.create(config.get("server.features.grpc-reflection")))
                    .addRouting(grpc)
                    .routing(http -> http
                            .addFilter(new HttpSecurity(HttpSecurity.Cors.from(finehero.get("security.cors"))))
                            .register(new JwksService(signingKeys))
                            .register(rest)
                            .register(new OpenApiService(HttpBinding.of(pipeline)))
                            .register(new DashboardService()))
                    .build()
                    .start();

            CacheMetrics.register(meters, caches.stats());
            TaskMetrics.register(meters, () -> tasks.stats(""), clock);

            // a start that fails from here on must not leave the server or the schedules running
            stopOnFailure.add(server::stop);
            ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("finehero-maintenance").factory());
            stopOnFailure.add(maintenance::shutdownNow);
            if (alerts.enabled()) {
                long every = alertsConfig.interval().toMillis();
                maintenance.scheduleWithFixedDelay(alerts.evaluator()::evaluateQuietly, every, every, TimeUnit.MILLISECONDS);
            }
            // a revocation is kept only while the tokens it denies could still be used; every logout adds one
            maintenance.scheduleWithFixedDelay(revocations::forgetExpired, 1, 1, TimeUnit.MINUTES);
            tasks.ensureRecurring(FineTasks.OVERDUE_SWEEP, tasksConfig.overdueSweep());
            tasks.start();

            LOG.log(Level.INFO, "FineHero started on port " + server.port() + " (database " + dbConfig.dialect()
                    + ", cache " + (redisConfig.enabled() ? "redis " + redis.state() : "in-process") + ") in "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
            return new FineHeroApp(server, health, overdueSweeper, alerts, tasks, maintenance, resources, drainTimeout);
        } catch (RuntimeException e) {
            closeAll(stopOnFailure);
            closeAll(resources);
            throw e;
        }
    }

    private static HealthMonitor.Limits healthLimits(Config health) {
        HealthMonitor.Limits defaults = HealthMonitor.Limits.defaults();
        return new HealthMonitor.Limits(
                thresholds(health.get("cpu"), defaults.cpu()),
                thresholds(health.get("memory"), defaults.memory()),
                thresholds(health.get("disk"), defaults.disk()));
    }

    private static HealthMonitor.Thresholds thresholds(Config node, HealthMonitor.Thresholds defaults) {
        return new HealthMonitor.Thresholds(
                ConfigValues.intInRange(node, "warn", (int) defaults.warn(), 0, 100),
                ConfigValues.intInRange(node, "critical", (int) defaults.critical(), 0, 100));
    }

    /** The port gRPC and HTTP share. */
    public int port() {
        return server.port();
    }

    public HealthMonitor health() {
        return health;
    }

    /** The sweep the recurring overdue_sweep task runs; tests call it after moving their clock. */
    public OverdueSweeper overdueSweeper() {
        return overdueSweeper;
    }

    /** The alerting of this instance; tests call {@code alerts().evaluator().evaluateNow()} after moving their clock. */
    public Alerts alerts() {
        return alerts;
    }

    /** The task engine (tests register their own task types and drive maintenance through it). */
    public TaskEngine tasks() {
        return tasks;
    }

    /**
     * Stops gracefully: health turns NOT_SERVING, the server stops taking connections and lets calls in
     * flight finish (up to {@code finehero.shutdown.drain}), then pools and clients are closed.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.log(Level.INFO, "FineHero stopping");
        health.stopping();
        maintenance.shutdownNow();
        alerts.endWatches(); // watchers see a normal end, not a cut connection
        Thread stopper = Thread.ofVirtual().start(server::stop);
        try {
            stopper.join(drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll(resources);
        LOG.log(Level.INFO, "FineHero stopped");
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing " + resources.get(i).getClass().getSimpleName() + " failed", e);
            }
        }
    }
}
