package com.finehero.server;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import build.buf.protovalidate.ValidatorFactory;
import com.finehero.api.auth.v1.AuthProto;
import com.finehero.api.documents.v1.DocumentsProto;
import com.finehero.api.events.v1.EventsProto;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.monitoring.v1.MonitoringProto;
import com.finehero.api.tasks.v1.TasksProto;
import com.finehero.server.auth.Auth;
import com.finehero.server.auth.AuthConfig;
import com.finehero.server.auth.Revocations;
import com.finehero.server.documents.Documents;
import com.finehero.server.platform.blob.BlobStore;
import com.finehero.server.events.Events;
import com.finehero.server.fines.FineEvents;
import com.finehero.server.fines.Fines;
import com.finehero.server.fines.OverdueSweeper;
import com.finehero.server.monitoring.AlertEvents;
import com.finehero.server.monitoring.Alerts;
import com.finehero.server.monitoring.Monitoring;
import com.finehero.server.platform.cache.Caches;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.config.ConfigValues;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.events.EventFeed;
import com.finehero.server.platform.events.FeedMetrics;
import com.finehero.server.platform.events.Outbox;
import com.finehero.server.platform.observe.CacheMetrics;
import com.finehero.server.platform.observe.CallObserver;
import com.finehero.server.platform.observe.DashboardService;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.observe.ReplicaMetrics;
import com.finehero.server.platform.observe.RpcMetrics;
import com.finehero.server.platform.openapi.OpenApiService;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rest.RestBridge;
import com.finehero.server.platform.rest.RestConfig;
import com.finehero.server.platform.retention.Retention;
import com.finehero.server.platform.rpc.ConsistencyInterceptor;
import com.finehero.server.platform.rpc.DeadlineInterceptor;
import com.finehero.server.platform.rpc.ErrorInterceptor;
import com.finehero.server.platform.rpc.GrpcServing;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.server.platform.rpc.UncompressedOnly;
import com.finehero.server.platform.rpc.RequestRules;
import com.finehero.server.platform.rpc.ValidationInterceptor;
import com.finehero.server.platform.security.AccessRules;
import com.finehero.server.platform.security.AddressLimitInterceptor;
import com.finehero.server.platform.security.AuditInterceptor;
import com.finehero.server.platform.security.AuditLog;
import com.finehero.server.platform.security.AuthInterceptor;
import com.finehero.server.platform.security.CallGate;
import com.finehero.server.platform.security.HttpSecurity;
import com.finehero.server.platform.security.ObserveAccess;
import com.finehero.server.platform.security.RateLimitInterceptor;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;
import com.finehero.server.platform.security.RedisRateLimiter;
import com.finehero.server.platform.security.RefusalSampler;
import com.finehero.server.tasks.TaskEngine;
import com.finehero.server.tasks.TaskFeedEvents;
import com.finehero.server.tasks.Tasks;
import com.google.protobuf.Descriptors;
import io.grpc.BindableService;
import io.grpc.protobuf.services.HealthStatusManager;
import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.opentelemetry.api.GlobalOpenTelemetry;

/**
 * The one place FineHero is put together. {@link AppConfig} reads every setting once; then each step
 * below builds one layer on the ones before it: the platform (database, Redis, caches, health,
 * metrics), security (accounts, tokens, API keys, rate limits, audit), the features (fines, documents,
 * tasks, monitoring), the interceptor pipeline, the one Helidon WebServer serving gRPC and HTTP on one
 * port, and the schedules. Each feature is built through its one public entry class ({@link Auth},
 * {@link Documents}, {@link Fines}, {@link Tasks}, {@link Monitoring}), which takes its collaborators
 * here and builds its own stores and services; the order of construction stays in this class.
 * {@link Main} and the tests both start the platform through {@link #start}, so tests exercise the real wiring.
 */
public final class FineHeroApp implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FineHeroApp.class.getName());

    private final WebServer server;
    private final Platform platform;
    private final Security security;
    private final Features features;
    private final ScheduledExecutorService maintenance;
    private final List<AutoCloseable> resources;
    private final Duration drainTimeout;
    private volatile boolean closed;

    /** Shared infrastructure every feature uses. */
    private record Platform(Database database, RedisConnector redis, Caches caches, HealthStatusManager grpcHealth,
                            HealthMonitor health, MeterRegistry meters, RpcMetrics rpcMetrics, ErrorMapper errors,
                            Outbox outbox, EventFeed events, RequestRules requestRules) {
    }

    /** Who callers are and what they may do, and the RPCs that manage it. */
    private record Security(Auth auth, RateLimiter rateLimiter, AuditLog audit, RefusalSampler auditedCalls, CallGate gate,
                            BindableService service) {
    }

    /** The features with their gRPC services, in registration order. */
    private record Features(OverdueSweeper overdueSweeper, TaskEngine tasks, Alerts alerts,
                            Map<Descriptors.FileDescriptor, BindableService> services) {
    }

    private FineHeroApp(WebServer server, Platform platform, Security security, Features features,
                        ScheduledExecutorService maintenance, List<AutoCloseable> resources, Duration drainTimeout) {
        this.server = server;
        this.platform = platform;
        this.security = security;
        this.features = features;
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
        return start(AppConfig.from(config), clock);
    }

    private static FineHeroApp start(AppConfig config, Clock clock) {
        long started = System.nanoTime();
        List<AutoCloseable> resources = new ArrayList<>();
        List<AutoCloseable> stopOnFailure = new ArrayList<>();
        try {
            // the migrations run on a thread of their own while everything that does not need the schema is
            // wired (whatever needs it waits for them), and so does the first admin, whose password hash is
            // most of a first start's work; no call is served before both are done
            Platform platform = platform(config, clock, resources);
            Security security = security(config, platform, clock, resources);
            CompletableFuture<Void> firstAdmin = inBackground("finehero-first-admin", security.auth()::createFirstAdminIfMissing);
            Features features = features(config, platform, clock, resources);
            eventFeed(platform, security, features);
            RpcPipeline pipeline = pipeline(config, platform, security, features, resources);
            platform.database().awaitSchema();
            await(firstAdmin);
            WebServer server = server(config, platform, security, pipeline, clock, resources);
            // a start that fails from here on must not leave the server or the schedules running
            stopOnFailure.add(server::stop);
            ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("finehero-maintenance").factory());
            stopOnFailure.add(maintenance::shutdownNow);
            schedules(config, security, features, maintenance);
            LOG.log(Level.INFO, "FineHero started on port " + server.port() + " (database " + config.db().dialect()
                    + ", cache " + (config.redis().enabled() ? "redis " + platform.redis().state() : "in-process") + ") in "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
            return new FineHeroApp(server, platform, security, features, maintenance, resources, config.shutdownDrain());
        } catch (RuntimeException e) {
            closeAll(stopOnFailure);
            closeAll(resources);
            throw e;
        }
    }

    /** Runs {@code work} on a platform thread of its own; the future ends as it does. */
    private static CompletableFuture<Void> inBackground(String name, Runnable work) {
        return CompletableFuture.runAsync(work, task -> Thread.ofPlatform().name(name).start(task));
    }

    /** Waits for work started by {@link #inBackground}; throws what it threw. */
    private static void await(CompletableFuture<Void> work) {
        try {
            work.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private static Platform platform(AppConfig config, Clock clock, List<AutoCloseable> resources) {
        Database database = Database.openMigrating(config.db(), clock);
        resources.add(database);
        RedisConnector redis = new RedisConnector(config.redis(), clock);
        resources.add(redis);
        redis.connectNow();
        HealthStatusManager grpcHealth = new HealthStatusManager();
        HealthMonitor health = new HealthMonitor(database, redis, grpcHealth, clock, config.health().limits());
        resources.add(health);
        // Helidon's /observe/metrics serves its global registry; this is the one place FineHero reads it
        MeterRegistry meters = Metrics.globalRegistry();
        ReplicaMetrics.register(meters, database);
        Outbox outbox = new Outbox(database, clock);
        EventFeed events = new EventFeed(outbox, config.events(), clock, new FeedMetrics(meters));
        resources.add(events);
        return new Platform(database, redis, new Caches(config.cache(), redis, clock), grpcHealth, health, meters,
                new RpcMetrics(meters, clock, config.observe().window()), new ErrorMapper(), outbox, events,
                // the contract's protovalidate rules, compiled once for the RPCs and the tasks that check requests
                new RequestRules(ValidatorFactory.newBuilder().build()));
    }

    private static Security security(AppConfig config, Platform platform, Clock clock, List<AutoCloseable> resources) {
        AuthConfig authConfig = config.auth();
        Auth auth = Auth.create(authConfig, platform.database(), platform.redis(), clock);
        RateLimiter rateLimiter;
        if (config.redis().enabled()) {
            RedisRateLimiter shared = new RedisRateLimiter(platform.redis(), clock, config.rateLimits().syncEvery());
            resources.add(shared);
            rateLimiter = shared;
        } else {
            rateLimiter = new RateLimiter.Local(clock);
        }
        AuditLog audit = new AuditLog(auth.auditStore(), config.audit(), clock);
        resources.add(audit);
        BindableService service = auth.service(rateLimiter, config.rateLimits(), audit);
        RefusalSampler auditedCalls = new RefusalSampler(audit, clock, config.rateLimits().auditedRefusalsPerAddress());
        CallGate gate = new CallGate(new AccessRules(), auth.authenticator(), rateLimiter,
                authConfig.enabled() && config.rateLimits().enabled() ? config.rateLimits().perAddress() : 0, auditedCalls);
        return new Security(auth, rateLimiter, audit, auditedCalls, gate, service);
    }

    private static Features features(AppConfig config, Platform platform, Clock clock, List<AutoCloseable> resources) {
        Database database = platform.database();
        Caches caches = platform.caches();
        BlobStore blobs = config.blobs().open(database.embeddedFiles(), database.dialect() instanceof Dialect.H2);
        resources.add(blobs);
        Documents documents = Documents.create(database, caches, clock, config.documents(), blobs);
        resources.add(documents);
        Fines fines = Fines.create(database, caches, clock, config.payments(), documents, platform.outbox());

        Tasks tasks = Tasks.create(database, config.tasks(), platform.redis(), clock, platform.outbox(), platform.events());
        TaskEngine engine = tasks.engine()
                .register(fines.taskHandlers(platform.requestRules()))
                .register(documents.taskHandlers())
                .register(tasks.taskHandlers(new Retention(database,
                        List.of(new Retention.Kept(Auth.AUDIT_EVENTS, config.auditRetention()), tasks.history()), clock)));
        resources.add(() -> engine.close(config.shutdownDrain()));
        platform.health().addCheck(() -> engine.health(config.health().oldestPendingWarn()));

        Monitoring monitoring = Monitoring.create(config.alerts(), database, caches, platform.redis(), platform.health(),
                platform.rpcMetrics(), engine, clock, platform.outbox(), platform.events());
        resources.add(monitoring);

        Map<Descriptors.FileDescriptor, BindableService> services = new LinkedHashMap<>();
        services.put(FinesProto.getDescriptor(), fines.service());
        services.put(DocumentsProto.getDescriptor(), documents.service());
        services.put(MonitoringProto.getDescriptor(), monitoring.service());
        services.put(TasksProto.getDescriptor(), tasks.service());
        CacheMetrics.register(platform.meters(), caches.stats());
        tasks.registerMetrics(platform.meters());
        return new Features(fines.overdueSweeper(), engine, monitoring.alerts(), services);
    }

    /**
     * The event feed: each feature's topic with its read rule, WatchEvents among the services, and the
     * feed reading the outbox the features' stores write.
     */
    private static void eventFeed(Platform platform, Security security, Features features) {
        EventFeed events = platform.events()
                .topic(FineEvents.TOPIC, FineEvents.access())
                .topic(TaskFeedEvents.TOPIC, TaskFeedEvents.access())
                .topic(AlertEvents.TOPIC, AlertEvents.access(security.gate().rules()));
        features.services().put(EventsProto.getDescriptor(), Events.service(events));
        events.start();
    }

    /** The interceptors in the order a call meets them, then every service. */
    private static RpcPipeline pipeline(AppConfig config, Platform platform, Security security, Features features,
                                        List<AutoCloseable> resources) {
        CallObserver.Builder observer = CallObserver.builder();
        if (config.observe().tracing()) {
            observer.spans(GlobalOpenTelemetry.get());
        }
        if (config.observe().metrics()) {
            observer.metrics(platform.rpcMetrics());
        }
        if (config.observe().accessLog()) {
            observer.accessLog();
        }
        RpcPipeline.Builder calls = RpcPipeline.builder().intercept(observer.build());
        AccessRules accessRules = security.gate().rules();
        calls.intercept(new AuditInterceptor(accessRules, security.auditedCalls()));
        if (!config.grpcCompression()) {
            calls.intercept(new UncompressedOnly());
        }
        DeadlineInterceptor deadlines = new DeadlineInterceptor();
        resources.add(deadlines);
        calls.intercept(deadlines)
                .intercept(new ErrorInterceptor(platform.errors()))
                .intercept(new AddressLimitInterceptor(security.gate()));
        if (platform.database().hasReplicas()) {
            // outside the access checks: a refused call wrote nothing, and its token is checked like any header
            calls.intercept(new ConsistencyInterceptor());
        }
        Optional<com.finehero.server.platform.security.Authenticator> authenticator = security.gate().authenticator();
        if (authenticator.isPresent()) {
            calls.intercept(new AuthInterceptor(accessRules, authenticator.get()));
            if (config.rateLimits().enabled()) {
                calls.intercept(new RateLimitInterceptor(security.rateLimiter(), config.rateLimits()));
            }
        } else {
            LOG.log(Level.WARNING, "finehero.auth.enabled is false: every call is allowed, as the system");
            calls.intercept(AuthInterceptor.everyCallAsSystem());
        }
        calls.intercept(new ValidationInterceptor(platform.requestRules()))
                .service(AuthProto.getDescriptor(), security.service());
        features.services().forEach(calls::service);
        return calls.build();
    }

    /** gRPC, the REST bridge, OpenAPI, JWKS, the dashboard and observe, on one started WebServer. */
    private static WebServer server(AppConfig config, Platform platform, Security security, RpcPipeline pipeline, Clock clock,
                                    List<AutoCloseable> resources) {
        platform.health().start(config.health().interval(), config.health().databaseInterval(),
                pipeline.services().stream().map(s -> s.definition().getServiceDescriptor().getName()).toList());
        RestBridge rest = new RestBridge(pipeline, platform.errors(), config.rest(), security.gate());
        resources.add(rest);

        GrpcServing grpc = GrpcServing.create(config.server(), config.maxMessageBytes(), config.grpcReflection(), pipeline,
                platform.grpcHealth().getHealthService(), new ErrorInterceptor(platform.errors()), clock);

        WebServer server = WebServer.builder()
                .config(config.server())
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.builder()
                        .config(config.server().get("features.observe"))
                        .addObserver(HealthObserver.builder()
                                .useSystemServices(true)
                                .details(true)
                                .addCheck(platform.health().readinessCheck())
                                .build())
                        .addObserver(MetricsObserver.create())
                        .build())
                .addRouting(grpc.routing())
                .addRouting(rest.webSocket("/v1/events", EventsServiceGrpc.getWatchEventsMethod().getFullMethodName()))
                .addConnectionSelector(grpc.connectionSelector())
                .routing(http -> http
                        .addFilter(new HttpSecurity(config.cors()))
                        .addFilter(new ObserveAccess(security.gate(), ConfigValues.string(config.server(), "features.observe.endpoint")))
                        .register(security.auth().jwks())
                        .register(rest)
                        .register(new OpenApiService(HttpBinding.of(pipeline)))
                        .register(new DashboardService()))
                .build()
                .start();
        return server;
    }

    /** Background work: alert evaluation, pruning the deny-list, recurring tasks and the task workers. */
    private static void schedules(AppConfig config, Security security, Features features, ScheduledExecutorService maintenance) {
        Alerts alerts = features.alerts();
        if (alerts.enabled()) {
            long every = config.alerts().interval().toMillis();
            maintenance.scheduleWithFixedDelay(alerts.evaluator()::evaluateQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        // a revocation is kept only while the tokens it denies could still be used; every logout adds one
        long sweep = config.auth().revocationSweep().toMillis();
        maintenance.scheduleWithFixedDelay(security.auth().revocations()::forgetExpired, sweep, sweep, TimeUnit.MILLISECONDS);
        features.tasks().ensureRecurring(Fines.OVERDUE_SWEEP, config.tasks().overdueSweep());
        features.tasks().ensureRecurring(Fines.ANALYTICS_ROLLUP, config.tasks().analyticsRollup());
        features.tasks().ensureRecurring(Tasks.TABLE_RETENTION, config.tasks().tableRetention());
        features.tasks().start();
    }

    /** The port gRPC and HTTP share. */
    public int port() {
        return server.port();
    }

    public HealthMonitor health() {
        return platform.health();
    }

    /** The sweep the recurring overdue_sweep task runs; tests call it after moving their clock. */
    public OverdueSweeper overdueSweeper() {
        return features.overdueSweeper();
    }

    /** The alerting of this instance; tests call {@code alerts().evaluator().evaluateNow()} after moving their clock. */
    public Alerts alerts() {
        return features.alerts();
    }

    /** The task engine (tests register their own task types and drive maintenance through it). */
    public TaskEngine tasks() {
        return features.tasks();
    }

    /** This instance's event feed (tests subscribe to it directly and count its reads). */
    public EventFeed events() {
        return platform.events();
    }

    /** This instance's deny-list of access tokens (tests watch the schedule that prunes it). */
    public Revocations revocations() {
        return security.auth().revocations();
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
        platform.health().stopping();
        maintenance.shutdownNow();
        platform.events().endStreams(); // watchers (WatchEvents, WatchTask, WatchAlerts) see a normal end, not a cut connection
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
