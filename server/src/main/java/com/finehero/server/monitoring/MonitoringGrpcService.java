package com.finehero.server.monitoring;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertEvent;
import com.finehero.api.monitoring.v1.CacheStats;
import com.finehero.api.monitoring.v1.ReadRoute;
import com.finehero.api.monitoring.v1.ReplicaStats;
import com.finehero.api.monitoring.v1.ComponentHealth;
import com.finehero.api.monitoring.v1.GetCacheStatsRequest;
import com.finehero.api.monitoring.v1.GetCacheStatsResponse;
import com.finehero.api.monitoring.v1.GetHealthRequest;
import com.finehero.api.monitoring.v1.GetHealthResponse;
import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.GetMetricsResponse;
import com.finehero.api.monitoring.v1.HealthStatus;
import com.finehero.api.monitoring.v1.JvmStats;
import com.finehero.api.monitoring.v1.ListAlertsRequest;
import com.finehero.api.monitoring.v1.ListAlertsResponse;
import com.finehero.api.monitoring.v1.ListSlowQueriesRequest;
import com.finehero.api.monitoring.v1.ListSlowQueriesResponse;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.PoolStats;
import com.finehero.api.monitoring.v1.RpcStats;
import com.finehero.api.monitoring.v1.SlowQuery;
import com.finehero.api.monitoring.v1.WatchAlertsRequest;
import com.finehero.api.events.v1.Event;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.events.EventFeed;
import com.finehero.server.platform.events.FeedEvent;
import com.finehero.server.platform.events.ReadyWait;
import com.finehero.server.platform.events.Subscription;
import com.finehero.server.platform.security.Principal;
import java.time.Duration;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.platform.cache.Caches;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.SlowQueries;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.paging.KeysetPage;
import com.finehero.server.platform.observe.HealthMonitor;
import com.finehero.server.platform.observe.RpcMetrics;
import com.finehero.server.platform.rpc.Replies;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import static com.finehero.server.platform.rpc.Replies.reply;

/** Operational views: health, calls, caches, the connection pool, the JVM, slow statements and alerts. */
final class MonitoringGrpcService extends MonitoringServiceGrpc.MonitoringServiceImplBase {

    static final int DEFAULT_ALERT_PAGE = 20;
    static final int MAX_ALERT_PAGE = 100;

    private final Caches caches;
    private final RpcMetrics rpcs;
    private final Database database;
    private final Supplier<HealthMonitor.Snapshot> health;
    private final Alerts alerts;
    private final EventFeed events;

    private final Supplier<com.finehero.api.tasks.v1.QueueStats> tasks;

    public MonitoringGrpcService(Caches caches, RpcMetrics rpcs, Database database, Supplier<HealthMonitor.Snapshot> health,
                                 Alerts alerts, Supplier<com.finehero.api.tasks.v1.QueueStats> tasks, EventFeed events) {
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.events = Objects.requireNonNull(events, "events");
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        this.caches = Objects.requireNonNull(caches, "caches");
        this.rpcs = Objects.requireNonNull(rpcs, "rpcs");
        this.database = Objects.requireNonNull(database, "database");
        this.health = Objects.requireNonNull(health, "health");
    }

    @Override
    public void getHealth(GetHealthRequest request, StreamObserver<GetHealthResponse> response) {
        reply(response, health(health.get(), callerMaySeeHealthDetails(), request.getIncludeDetails()));
    }

    /**
     * Whether the caller of this call may see health details (reasons, pool counts, latencies, paths):
     * admins and analysts, who operate and watch the platform; everyone else, anonymous callers
     * included, gets the summary.
     */
    private static boolean callerMaySeeHealthDetails() {
        Principal caller = Principal.current();
        return caller.has(Role.ROLE_ADMIN) || caller.has(Role.ROLE_ANALYST);
    }

    /**
     * GetHealth's answer. A caller who may not see details gets the summary: the overall status, when it
     * was checked and each component's name and status, without reasons or details (they name hosts,
     * paths and errors). One who may gets the reasons, and the details too when asked for.
     */
    static GetHealthResponse health(HealthMonitor.Snapshot snapshot, boolean maySeeDetails, boolean includeDetails) {
        GetHealthResponse.Builder answer = GetHealthResponse.newBuilder()
                .setStatus(status(snapshot.status()))
                .setCheckedAt(Times.toProto(snapshot.checkedAt()));
        for (HealthMonitor.Component component : snapshot.components()) {
            ComponentHealth.Builder entry = ComponentHealth.newBuilder()
                    .setName(component.name()).setStatus(status(component.status()));
            if (maySeeDetails) {
                entry.setReason(component.reason());
                if (includeDetails) {
                    component.details().forEach((key, value) -> entry.putDetails(key, String.valueOf(value)));
                }
            }
            answer.addComponents(entry);
        }
        return answer.build();
    }

    private static HealthStatus status(HealthMonitor.Status status) {
        return switch (status) {
            case UP -> HealthStatus.HEALTH_STATUS_UP;
            case DEGRADED -> HealthStatus.HEALTH_STATUS_DEGRADED;
            case DOWN -> HealthStatus.HEALTH_STATUS_DOWN;
        };
    }

    @Override
    public void getMetrics(GetMetricsRequest request, StreamObserver<GetMetricsResponse> response) {
        GetMetricsResponse.Builder metrics = GetMetricsResponse.newBuilder()
                .setWindowSeconds((int) rpcs.window().toSeconds())
                .addAllCaches(cacheStats());
        rpcs.snapshot().forEach((method, s) -> metrics.addRpcs(RpcStats.newBuilder()
                .setMethod(method).setCalls(s.calls()).setErrors(s.errors()).setWindowCalls(s.windowCalls())
                .setWindowErrors(s.windowErrors())
                .setP50Ms(s.p50Ms()).setP95Ms(s.p95Ms()).setP99Ms(s.p99Ms()).setMaxMs(s.maxMs())));
        Database.PoolStats pool = database.poolStats();
        metrics.setPool(PoolStats.newBuilder().setActive(pool.active()).setIdle(pool.idle())
                .setWaiting(pool.waiting()).setMax(pool.max()));
        metrics.setTasks(tasks.get());
        database.replicaStats().forEach(r -> metrics.addReplicas(ReplicaStats.newBuilder().setName(r.name())
                .setUsable(r.usable()).setSkippedBecause(r.skippedBecause()).setLagMs(r.lagMillis())
                .setLagBytes(r.lagBytes()).setReads(r.reads())));
        database.readRoutes().forEach((route, reads) -> metrics.addReadRoutes(ReadRoute.newBuilder().setRoute(route).setReads(reads)));
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        metrics.setJvm(JvmStats.newBuilder()
                .setHeapUsedBytes(heap.getUsed())
                .setHeapMaxBytes(heap.getMax())
                .setThreads(ManagementFactory.getThreadMXBean().getThreadCount())
                .setUptimeSeconds(ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
                .setSystemLoadAverage(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                .setProcessors(Runtime.getRuntime().availableProcessors()));
        reply(response, metrics.build());
    }

    @Override
    public void listSlowQueries(ListSlowQueriesRequest request, StreamObserver<ListSlowQueriesResponse> response) {
        int limit = Replies.pageSize(request.getLimit(), 20, 200);
        ListSlowQueriesResponse.Builder answer = ListSlowQueriesResponse.newBuilder()
                .setThresholdMs(database.slowQueries().threshold().toNanos() / 1e6);
        for (SlowQueries.Entry entry : database.slowQueries().slowest(limit)) {
            answer.addQueries(SlowQuery.newBuilder()
                    .setStatement(entry.statement())
                    .setCount(entry.count())
                    .setSlowestMs(entry.slowest().toNanos() / 1e6)
                    .setAverageMs(entry.total().toNanos() / 1e6 / entry.count())
                    .setLastSeen(Times.toProto(entry.lastSeen())));
        }
        reply(response, answer.build());
    }

    @Override
    public void listAlerts(ListAlertsRequest request, StreamObserver<ListAlertsResponse> response) {
        int limit = Replies.pageSize(request.getPageSize(), DEFAULT_ALERT_PAGE, MAX_ALERT_PAGE);
        String scope = request.getState() + "|" + request.getRule() + "|" + request.getSeverity();
        AlertStore.Query query = new AlertStore.Query(request.getState(), request.getRule(), request.getSeverity(),
                KeysetPage.after(request.getPageToken(), scope, AlertStore.Cursor::new));
        KeysetPage<Alert> page = KeysetPage.fetch(limit, scope, n -> alerts.store().list(query, n),
                alert -> KeysetPage.position(alert.getFireTime(), alert.getId()));
        reply(response, ListAlertsResponse.newBuilder().addAllAlerts(page.items()).setNextPageToken(page.nextPageToken()).build());
    }

    /**
     * The alerts firing now, then each change as the event feed delivers it (recorded by whichever
     * instance evaluated). A watcher that fell behind (RESYNC) gets the firing alerts again.
     */
    @Override
    public void watchAlerts(WatchAlertsRequest request, StreamObserver<AlertEvent> response) {
        ServerCallStreamObserver<AlertEvent> call = (ServerCallStreamObserver<AlertEvent>) response;
        ReadyWait ready = new ReadyWait(call);
        String rule = request.getRule();
        Principal caller = Principal.current();
        try (Subscription changes = events.subscribe(caller, com.finehero.server.platform.observe.RequestContext.streamFace(), event -> event.topic().equals(AlertEvents.TOPIC)
                && events.visible(caller, event), 0)) {
            call.onNext(firing(rule));
            while (!ready.cancelled()) {
                FeedEvent event = changes.next(Duration.ofSeconds(1));
                if (event == null) {
                    if (changes.ended()) {
                        break;
                    }
                    continue;
                }
                AlertEvent next = event.isResync() ? firing(rule)
                        : AlertEvent.newBuilder().setAlert(Event.parseFrom(event.payload()).getAlert()).build();
                if ((next.hasAlert() && !rule.isEmpty() && !rule.equals(next.getAlert().getRule())) || !ready.await()) {
                    continue;
                }
                call.onNext(next);
                changes.sent(event);
            }
            if (!ready.cancelled()) {
                call.onCompleted();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FineHeroException.Unavailable("SHUTTING_DOWN", "the server is stopping; watch again", Duration.ofSeconds(1));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("an unreadable alert event in the outbox", e);
        }
    }

    private AlertEvent firing(String rule) {
        return AlertEvent.newBuilder().addAllFiring(alerts.firing().stream()
                .filter(alert -> rule.isEmpty() || rule.equals(alert.getRule())).toList()).build();
    }

    @Override
    public void getCacheStats(GetCacheStatsRequest request, StreamObserver<GetCacheStatsResponse> response) {
        reply(response, GetCacheStatsResponse.newBuilder().setBackend(caches.backend()).addAllCaches(cacheStats()).build());
    }

    private List<CacheStats> cacheStats() {
        return caches.stats().entrySet().stream().map(MonitoringGrpcService::cacheStats).toList();
    }

    private static CacheStats cacheStats(Map.Entry<String, com.finehero.server.platform.cache.CacheStats> entry) {
        var stats = entry.getValue();
        return CacheStats.newBuilder()
                .setName(entry.getKey())
                .setHits(stats.hits())
                .setMisses(stats.misses())
                .setHitRate(stats.hitRate())
                .setLoads(stats.loads())
                .setAverageLoadMs(stats.loads() == 0 ? 0 : stats.loadNanos() / 1e6 / stats.loads())
                .setEvictions(stats.evictions())
                .setErrors(stats.errors())
                .build();
    }
}
