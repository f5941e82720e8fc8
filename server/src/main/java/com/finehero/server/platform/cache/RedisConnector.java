package com.finehero.server.platform.cache;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.redisson.Redisson;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SubscriptionMode;

/**
 * Owns the Redisson client. The server never waits for Redis: when it is configured but unreachable
 * at start-up, FineHero starts anyway, works from the database, reports DEGRADED, and connects in the
 * background. After a failed command, Redis is left alone for {@link RedisConfig#retryAfter()} so a
 * dead Redis costs one timeout, not one per request.
 */
public final class RedisConnector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisConnector.class.getName());

    /** Health of the shared cache as operators see it. */
    public enum State { NOT_CONFIGURED, UP, DEGRADED }

    private final RedisConfig config;
    private final Clock clock;
    private final AtomicReference<RedissonClient> client = new AtomicReference<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile Instant quietUntil = Instant.MIN;
    /** What {@link #available} last answered with a client, handed out again while the client is the same (it runs several times a call). */
    private volatile Optional<RedissonClient> lastOffered = Optional.empty();
    private volatile String lastError = "";
    private volatile boolean closed;
    private final ReadDeadlines readDeadlines;

    public RedisConnector(RedisConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.readDeadlines = new ReadDeadlines(Duration.ofMillis(Math.max(1, config.timeout().toMillis())));
    }

    public RedisConfig config() {
        return config;
    }

    /** Tries to connect now, in the background; returns at once. */
    void connectInBackground() {
        if (!config.enabled() || client.get() != null || closed || !connecting.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("finehero-redis-connect").start(() -> {
            try {
                connectNow();
            } finally {
                connecting.set(false);
            }
        });
    }

    /** Connects on the calling thread; returns whether Redis is usable now. */
    public boolean connectNow() {
        if (!config.enabled() || closed) {
            return false;
        }
        if (client.get() != null) {
            return true;
        }
        try {
            RedissonClient created = Redisson.create(redissonConfig());
            if (closed || !client.compareAndSet(null, created)) {
                created.shutdown();
            } else {
                LOG.log(Level.INFO, "redis connected: " + config.describe());
                quietUntil = Instant.MIN;
                lastError = "";
            }
            return !closed;
        } catch (RuntimeException e) {
            failed(e);
            return false;
        }
    }

    /** The client, if Redis is configured, connected and not in its quiet period after a failure. */
    public Optional<RedissonClient> available() {
        RedissonClient current = client.get();
        if (current == null) {
            if (config.enabled() && clock.instant().isAfter(quietUntil)) {
                connectInBackground();
            }
            return Optional.empty();
        }
        if (clock.instant().isBefore(quietUntil)) {
            return Optional.empty();
        }
        Optional<RedissonClient> offered = lastOffered;
        if (offered.orElse(null) != current) {
            offered = Optional.of(current);
            lastOffered = offered;
        }
        return offered;
    }

    /**
     * The client whenever one is connected, also in the quiet period after a failure: for a cache change
     * that must reach Redis even so (see {@link OwedChanges}), never for a read.
     */
    Optional<RedissonClient> connected() {
        RedissonClient current = client.get();
        if (current == null && config.enabled() && clock.instant().isAfter(quietUntil)) {
            connectInBackground();
        }
        return closed ? Optional.empty() : Optional.ofNullable(current);
    }

    boolean isInQuietPeriod() {
        return clock.instant().isBefore(quietUntil);
    }

    boolean isClosed() {
        return closed;
    }

    /** Records a failed command: Redis is skipped for the retry period. */
    public void failed(Throwable error) {
        boolean wasUp = clock.instant().isAfter(quietUntil);
        quietUntil = clock.instant().plus(config.retryAfter());
        lastError = error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + firstLine(error.getMessage()));
        if (wasUp) {
            LOG.log(Level.WARNING, "redis unavailable, serving from the database: " + lastError);
        }
    }

    /** Pings Redis (health checks); updates the state. */
    public State check() {
        if (!config.enabled()) {
            return State.NOT_CONFIGURED;
        }
        RedissonClient current = client.get();
        if (current == null) {
            connectInBackground();
            return State.DEGRADED;
        }
        try {
            boolean ok = current.getKeys().count() >= 0;
            if (ok && clock.instant().isBefore(quietUntil)) {
                LOG.log(Level.INFO, "redis reachable again");
                quietUntil = Instant.MIN;
                lastError = "";
            }
            return ok ? State.UP : State.DEGRADED;
        } catch (RuntimeException e) {
            failed(e);
            return State.DEGRADED;
        }
    }

    public State state() {
        if (!config.enabled()) {
            return State.NOT_CONFIGURED;
        }
        return client.get() != null && !clock.instant().isBefore(quietUntil) ? State.UP : State.DEGRADED;
    }

    public String lastError() {
        return lastError;
    }

    /**
     * Waits at most {@code finehero.redis.timeout} for a cache read: a slow Redis costs a read that much,
     * then the database answers. Every other command waits the longer command timeout
     * ({@code write-timeout}), see {@link RedisConfig}. A read that times out throws {@link ReadTimeout},
     * which callers do not report through {@link #failed}: Redis stays usable for this instance's writes.
     */
    <T> T awaitRead(CompletionStage<T> reply) {
        return answer(() -> readDeadlines.await(reply));
    }

    private static <T> T await(CompletionStage<T> reply, long millis) {
        return answer(() -> reply.toCompletableFuture().get(millis, TimeUnit.MILLISECONDS));
    }

    /** A wait for Redis's answer. */
    private interface Wait<T> {
        T answer() throws TimeoutException, ExecutionException, InterruptedException;
    }

    private static <T> T answer(Wait<T> wait) {
        try {
            return wait.answer();
        } catch (TimeoutException e) {
            throw new ReadTimeout();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReadTimeout();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Waits for a cache change: the command's own timeout ({@code write-timeout}), or only as long as a
     * read would ({@code timeout}) when {@code briefly}. A change not confirmed in time may still land
     * later, which is harmless: every change is the newest version, a tombstone, or a deletion.
     */
    <T> T awaitWrite(RFuture<T> reply, boolean briefly) {
        // Redisson ends the command itself after write-timeout; the margin lets its own error arrive first
        return briefly ? awaitRead(reply) : await(reply, config.writeTimeout().toMillis() + 100);
    }

    /** A cache read Redis did not answer within {@code finehero.redis.timeout}. */
    static final class ReadTimeout extends RuntimeException {
        ReadTimeout() {
            super(null, null, false, false);
        }
    }

    /** Full key for a FineHero key, e.g. {@code finehero:fines:<id>}. */
    public String key(String... parts) {
        return config.prefix() + ":" + String.join(":", parts);
    }

    /**
     * Redisson's own configuration for the deployment: one server, a Sentinel-watched master or a Cluster.
     * Every command goes to a master (never a replica, which may not have a write yet: the caches confirm
     * copies against Redis and must read what was just written), and pub/sub too. Redisson follows a
     * failover itself: the sentinels' announcement or its topology scan moves it to the new master.
     */
    Config redissonConfig() {
        Config redisson = new Config();
        redisson.setUseScriptCache(true);
        redisson.setNettyThreads(4);
        int timeoutMillis = (int) Math.max(50, config.writeTimeout().toMillis());
        // connections are made in the background, never on a call's path: a busy host may take longer
        int connectTimeoutMillis = Math.max(1_000, timeoutMillis * 2);
        String password = config.password().isEmpty() ? null : config.password();
        switch (config.mode()) {
            case SINGLE -> redisson.useSingleServer()
                    .setAddress(config.address())
                    .setDatabase(config.database())
                    .setPassword(password)
                    .setConnectTimeout(connectTimeoutMillis)
                    .setTimeout(timeoutMillis)
                    .setRetryAttempts(0)
                    .setConnectionMinimumIdleSize(2)
                    .setConnectionPoolSize(16)
                    .setPingConnectionInterval(5_000);
            case SENTINEL -> {
                var sentinel = redisson.useSentinelServers()
                        .setMasterName(config.masterName())
                        .setDatabase(config.database())
                        .setPassword(password)
                        .setSentinelPassword(config.sentinelPassword().isEmpty() ? null : config.sentinelPassword())
                        .setScanInterval(1_000)
                        .setConnectTimeout(connectTimeoutMillis)
                        .setTimeout(timeoutMillis)
                        .setRetryAttempts(0)
                        .setPingConnectionInterval(5_000);
                config.nodes().forEach(sentinel::addSentinelAddress);
                masterOnly(sentinel);
            }
            case CLUSTER -> {
                var cluster = redisson.useClusterServers()
                        .setPassword(password)
                        .setScanInterval(1_000)
                        .setConnectTimeout(connectTimeoutMillis)
                        .setTimeout(timeoutMillis)
                        .setRetryAttempts(0)
                        .setPingConnectionInterval(5_000);
                config.nodes().forEach(cluster::addNodeAddress);
                masterOnly(cluster);
            }
        }
        return redisson;
    }

    /** Reads, writes and subscriptions all on the master, with small pools for the replicas Redisson still tracks. */
    private static void masterOnly(BaseMasterSlaveServersConfig<?> servers) {
        servers.setReadMode(ReadMode.MASTER)
                .setSubscriptionMode(SubscriptionMode.MASTER)
                .setMasterConnectionMinimumIdleSize(2)
                .setMasterConnectionPoolSize(16)
                .setSlaveConnectionMinimumIdleSize(1)
                .setSlaveConnectionPoolSize(2)
                .setSubscriptionConnectionMinimumIdleSize(1)
                .setSubscriptionConnectionPoolSize(8);
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    public Duration retryAfter() {
        return config.retryAfter();
    }

    @Override
    public void close() {
        closed = true;
        RedissonClient current = client.getAndSet(null);
        if (current != null) {
            current.shutdown();
        }
        readDeadlines.close(); // after Redisson: a read still waiting ends as timed out
    }
}
