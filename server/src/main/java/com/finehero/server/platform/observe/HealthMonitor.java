package com.finehero.server.platform.observe;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.config.ConfigValues;
import com.finehero.server.platform.db.Database;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Checks the database and Redis on a schedule, in the background, and publishes one snapshot to
 * every face of health: gRPC {@code grpc.health.v1} (overall and per service) and the HTTP readiness
 * checks. A probe reads the snapshot and never waits for a check. The database is required (DOWN =
 * not ready); Redis is optional (unreachable = DEGRADED, still ready, serving from the database).
 */
public final class HealthMonitor implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HealthMonitor.class.getName());

    public enum Status { UP, DEGRADED, DOWN }

    public record Component(String name, Status status, String reason, Map<String, Object> details) { }

    public record Snapshot(Status status, List<Component> components, Instant checkedAt) { }

    /** Warning and critical levels of a resource, in percent used. */
    public record Thresholds(double warn, double critical) {
        public Thresholds {
            if (warn < 0 || critical > 100 || warn > critical) {
                throw new IllegalArgumentException("health thresholds: warn " + warn + " and critical " + critical
                        + " (expected: 0 <= warn <= critical <= 100)");
            }
        }
    }

    /**
     * The resource thresholds: CPU, heap memory and disk of the working directory; a resource changes
     * status only when the new level held in {@code hold} of its last {@code window} samples.
     */
    public record Limits(Thresholds cpu, Thresholds memory, Thresholds disk, int window, int hold) {
        /** {@code finehero.health.{cpu,memory,disk}.{warn,critical}}, percent used, and {@code finehero.health.{window,hold}}. */
        public static Limits from(Config health) {
            return new Limits(thresholds(health.get("cpu")), thresholds(health.get("memory")), thresholds(health.get("disk")),
                    ConfigValues.intInRange(health, "window", 1, 100), ConfigValues.intInRange(health, "hold", 1, 100));
        }

        private static Thresholds thresholds(Config node) {
            return new Thresholds(ConfigValues.intInRange(node, "warn", 0, 100), ConfigValues.intInRange(node, "critical", 0, 100));
        }
    }

    private final Database database;
    private final RedisConnector redis;
    private final Limits limits;
    private final HealthStatusManager grpcHealth;
    private volatile List<String> grpcServices = List.of();
    /** Components a service adds (the task engine); checked after the platform's own. */
    private final List<java.util.function.Supplier<Component>> extraChecks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private volatile Snapshot snapshot;
    /** Whether a check has published a snapshot yet (the one before is only "starting"); guarded by this. */
    private boolean checked;
    private volatile boolean stopping;
    private volatile Duration databaseTimeout = Duration.ofSeconds(1);
    private final Map<String, Hysteresis> resources = new java.util.concurrent.ConcurrentHashMap<>();

    public HealthMonitor(Database database, RedisConnector redis, HealthStatusManager grpcHealth,
                         Clock clock, Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.database = Objects.requireNonNull(database, "database");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.grpcHealth = Objects.requireNonNull(grpcHealth, "grpcHealth");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("finehero-health").factory());
        // nothing is probed until start(): the database may still be migrating while the rest is wired
        Snapshot starting = new Snapshot(Status.DOWN, List.of(new Component("database", Status.DOWN,
                "not checked yet: the server is starting", Map.of())), clock.instant());
        this.snapshot = starting;
        publish(starting);
    }

    /** Adds a component to every check; if it throws, an "unknown" DEGRADED component says so. */
    public void addCheck(java.util.function.Supplier<Component> check) {
        extraChecks.add(Objects.requireNonNull(check, "check"));
    }

    private static Component extra(java.util.function.Supplier<Component> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            return new Component("unknown", Status.DEGRADED, "check failed: " + e.getClass().getSimpleName(), Map.of());
        }
    }

    /**
     * Publishes to gRPC health for these services (and overall), now and every {@code interval}; the
     * database alone is probed every {@code databaseInterval}, each probe giving up after twice that, so
     * readiness follows the database within about three of those intervals.
     */
    public void start(Duration interval, Duration databaseInterval, List<String> grpcServices) {
        this.grpcServices = List.copyOf(grpcServices);
        long databaseMillis = Math.max(50, databaseInterval.toMillis());
        this.databaseTimeout = Duration.ofMillis(2 * databaseMillis);
        checkNow();
        long millis = Math.max(100, interval.toMillis());
        scheduler.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::refreshDatabase, databaseMillis, databaseMillis, TimeUnit.MILLISECONDS);
    }

    /** Republishes only when the database's status changed since the last snapshot. */
    private synchronized void refreshDatabase() {
        try {
            Component db = checkDatabase();
            Snapshot current = snapshot;
            if (current.components().isEmpty() || current.components().getFirst().status() == db.status()) {
                return;
            }
            List<Component> components = new java.util.ArrayList<>(current.components());
            components.set(0, db);
            publishSnapshot(components);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "database health check failed", e);
        }
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** Runs the checks now and publishes the result. */
    public synchronized Snapshot checkNow() {
        Component db = checkDatabase();
        List<Component> components = new java.util.ArrayList<>(List.of(db, checkRedis(), checkDisk(), checkMemory(), checkCpu()));
        for (java.util.function.Supplier<Component> check : extraChecks) {
            components.add(extra(check));
        }
        return publishSnapshot(components);
    }

    /** The database first: its status alone decides DOWN. */
    private Snapshot publishSnapshot(List<Component> components) {
        Component db = components.getFirst();
        Status overall = db.status() == Status.DOWN ? Status.DOWN
                : components.stream().anyMatch(c -> c.status() != Status.UP) ? Status.DEGRADED : Status.UP;
        Snapshot next = new Snapshot(overall, components, clock.instant());
        Snapshot previous = snapshot;
        snapshot = next;
        publish(next);
        boolean checked = this.checked;
        this.checked = true;
        if (checked && previous.status() != next.status()) {
            LOG.log(next.status() == Status.UP ? Level.INFO : Level.WARNING,
                    "health changed from " + previous.status() + " to " + next.status() + describe(next));
        }
        return next;
    }

    /** Marks every service NOT_SERVING for good: load balancers stop sending calls while we drain. */
    public void stopping() {
        stopping = true;
        grpcHealth.enterTerminalState();
    }

    /** HTTP readiness: DOWN while the database is unreachable or the server is draining. */
    public HealthCheck readinessCheck() {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "finehero";
            }

            @Override
            public HealthCheckResponse call() {
                Snapshot current = snapshot;
                HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                        .status(!stopping && current.status() != Status.DOWN)
                        .detail("status", stopping ? "STOPPING" : current.status().name())
                        .detail("checkedAt", current.checkedAt().toString());
                for (Component component : current.components()) {
                    response.detail(component.name(), component.status().name()
                            + (component.reason().isEmpty() ? "" : " (" + component.reason() + ")"));
                }
                return response.build();
            }
        };
    }

    private void refresh() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "health check failed", e);
        }
    }

    private Component checkDatabase() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dialect", database.dialect().name());
        try {
            Duration latency = database.probe(databaseTimeout);
            Database.PoolStats pool = database.poolStats();
            details.put("latencyMs", latency.toNanos() / 1_000_000.0);
            details.put("poolActive", pool.active());
            details.put("poolIdle", pool.idle());
            details.put("poolWaiting", pool.waiting());
            details.put("poolMax", pool.max());
            return new Component("database", Status.UP, "", details);
        } catch (Exception e) {
            return new Component("database", Status.DOWN, "unreachable: " + e.getClass().getSimpleName(), details);
        }
    }

    private Component checkRedis() {
        RedisConnector.State state = redis.check();
        return switch (state) {
            case NOT_CONFIGURED -> new Component("cache", Status.UP, "", Map.of("backend", "in-process"));
            case UP -> new Component("cache", Status.UP, "", Map.of("backend", "redis"));
            case DEGRADED -> new Component("cache", Status.DEGRADED,
                    "redis unreachable, serving from the database" + (redis.lastError().isEmpty() ? "" : ": " + redis.lastError()),
                    Map.of("backend", "redis"));
        };
    }

    private Component checkDisk() {
        java.io.File here = new java.io.File(".").getAbsoluteFile();
        long total = here.getTotalSpace();
        double used = total == 0 ? 0 : 100.0 * (total - here.getUsableSpace()) / total;
        return resource("disk", used, limits.disk(), Map.of("path", here.getPath(), "usedPercent", round(used),
                "freeBytes", here.getUsableSpace(), "totalBytes", total));
    }

    private Component checkMemory() {
        Runtime runtime = Runtime.getRuntime();
        long used = runtime.totalMemory() - runtime.freeMemory();
        double percent = 100.0 * used / runtime.maxMemory();
        return resource("memory", percent, limits.memory(), Map.of("usedPercent", round(percent),
                "usedBytes", used, "maxBytes", runtime.maxMemory()));
    }

    private Component checkCpu() {
        double load = -1;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            load = os.getCpuLoad();
        }
        if (load < 0) {
            return new Component("cpu", Status.UP, "", Map.of("usedPercent", "unknown"));
        }
        double percent = 100.0 * load;
        return resource("cpu", percent, limits.cpu(), Map.of("usedPercent", round(percent),
                "processors", Runtime.getRuntime().availableProcessors()));
    }

    private Component resource(String name, double usedPercent, Thresholds thresholds, Map<String, Object> details) {
        Status sampled = usedPercent >= thresholds.critical() ? Status.DOWN
                : usedPercent >= thresholds.warn() ? Status.DEGRADED : Status.UP;
        Hysteresis history = resources.computeIfAbsent(name, n -> new Hysteresis(limits.window(), limits.hold()));
        Instant now = clock.instant();
        Status status = history.next(sampled, now);
        if (status == Status.UP) {
            return new Component(name, Status.UP, "", details);
        }
        String level = status == Status.DOWN ? "critical " + thresholds.critical() : "warning " + thresholds.warn();
        return new Component(name, status, name + " " + round(usedPercent) + "% used now; at or above the " + level
                + "% in at least " + history.hold() + " of the last " + history.window() + " samples, for "
                + history.heldFor(now).toSeconds() + " s", details);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private void publish(Snapshot next) {
        if (stopping) {
            return;
        }
        ServingStatus serving = next.status() == Status.DOWN ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
        grpcHealth.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, serving);
        for (String service : grpcServices) {
            grpcHealth.setStatus(service, serving);
        }
    }

    private static String describe(Snapshot snapshot) {
        StringBuilder out = new StringBuilder();
        for (Component component : snapshot.components()) {
            if (!component.reason().isEmpty()) {
                out.append("; ").append(component.name()).append(": ").append(component.reason());
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
