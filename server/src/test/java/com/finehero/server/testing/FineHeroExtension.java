package com.finehero.server.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import io.grpc.Channel;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one real FineHero per test class through {@link FineHeroApp#start}, the method {@code Main}
 * uses, on a random port, and hands tests a gRPC channel and an HTTP client for it. Settings are the
 * shipped application.yaml with a few overrides on top; never a second copy of it.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final FineHeroExtension app = FineHeroExtension.on(Backend.H2);
 * </pre>
 */
public final class FineHeroExtension implements BeforeAllCallback, AfterAllCallback {

    private final Backend backend;
    private final Map<String, String> overrides = new HashMap<>();
    private final SettableClock clock = new SettableClock();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Backend.Isolation isolation;
    private FineHeroApp app;
    private FineHeroClient client;
    private TestSession session;
    private final java.util.List<TestSession> sessions = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The bootstrap admin every test app has; {@link #client()} and {@link #channel()} call as this user. */
    public static final String ADMIN_USERNAME = "admin";
    public static final String ADMIN_PASSWORD = "test-admin-password";

    private FineHeroExtension(Backend backend) {
        this.backend = backend;
    }

    public static FineHeroExtension on(Backend backend) {
        return new FineHeroExtension(backend);
    }

    /** Adds a configuration override (applied over application.yaml and the backend's settings). */
    public FineHeroExtension with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        isolation = backend.isolate();
        start();
    }

    /** Starts another FineHero on the same database and Redis as this one (multi-instance tests). */
    public FineHeroApp startSibling() {
        return FineHeroApp.start(config(), clock);
    }

    private void start() {
        app = FineHeroApp.start(config(), clock);
        session = new TestSession(ADMIN_USERNAME, ADMIN_PASSWORD, clock);
        client = FineHeroClient.builder().target("127.0.0.1", app.port()).deadline(Duration.ofSeconds(20))
                .credentials(session.credentials()).build();
    }

    public Config config() {
        Map<String, String> settings = new HashMap<>();
        settings.put("server.port", "0");
        settings.put("server.host", "127.0.0.1");
        settings.put("finehero.health.interval", "PT0.5S");
        settings.put("finehero.auth.bootstrap-admin.username", ADMIN_USERNAME);
        settings.put("finehero.auth.bootstrap-admin.password", ADMIN_PASSWORD);
        settings.put("finehero.auth.bcrypt-cost", "4");
        // limits are tested where they are the subject; elsewhere they would only count the suite's calls
        settings.put("finehero.security.rate-limits.per-identity", "100000000");
        settings.put("finehero.security.rate-limits.global", "100000000");
        settings.put("finehero.security.rate-limits.per-address", "100000000");
        settings.put("finehero.security.rate-limits.login-free-failures", "100000000");
        settings.put("finehero.security.rate-limits.login-failures-per-address", "100000000");
        // suites sign in as the bootstrap admin at once; the forced change is tested where it is the subject
        settings.put("finehero.auth.bootstrap-admin.must-change-password", "false");
        if (backend == Backend.POSTGRES_REDIS) {
            // instances sharing a database must share signing keys; H2 runs keep the ephemeral default
            settings.put("finehero.auth.jwt.keys", TestKeys.JWK_SET);
        }
        // tasks due after a clock move are found within 100 ms (the clock moves without waking anyone)
        settings.put("finehero.tasks.poll", "PT0.1S");
        // a REST stream a test lets in but never reads to its end (a watch) ends soon, not after an hour
        settings.put("finehero.rest.stream-lifetime", "PT5S");
        settings.putAll(isolation.settings());
        settings.putAll(overrides);
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(settings))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        sessions.forEach(TestSession::close);
        if (client != null) {
            client.close();
        }
        if (app != null) {
            app.close();
        }
        if (isolation != null) {
            isolation.cleanup().run();
        }
    }

    public FineHeroApp app() {
        return app;
    }

    public int port() {
        return app.port();
    }

    /** The client's channel: every call on it has a deadline and the admin's credentials. */
    public Channel channel() {
        return client.channel();
    }

    /** A client logged in as the admin on another instance (see {@link #startSibling()}). */
    public FineHeroClient clientFor(FineHeroApp other) {
        return FineHeroClient.builder().target("127.0.0.1", other.port()).deadline(Duration.ofSeconds(20))
                .credentials(com.finehero.client.Credentials.login(ADMIN_USERNAME, ADMIN_PASSWORD, clock)).build();
    }

    /** The admin's current access token, for REST calls and the CLI. */
    public String adminAccessToken() {
        return session.accessToken(client.anonymousChannel());
    }

    /** The same connection without credentials. */
    public Channel anonymousChannel() {
        return client.anonymousChannel();
    }

    /** A user with these roles, created through the API, and a client logged in as them. */
    public TestSession userWith(com.finehero.api.auth.v1.Role... roles) {
        String username = "user-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String password = "password-of-" + username;
        com.finehero.api.auth.v1.User user = client.auth().createUser(com.finehero.api.auth.v1.CreateUserRequest.newBuilder()
                .setUsername(username).setPassword(password).addAllRoles(java.util.List.of(roles)).build());
        TestSession created = new TestSession(username, password, user.getUserId(), this);
        sessions.add(created);
        return created;
    }

    public FineHeroClient client() {
        return client;
    }

    public SettableClock clock() {
        return clock;
    }

    public Backend backend() {
        return backend;
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    /** Sends the request as the admin unless it carries credentials of its own. */
    public HttpResponse<String> send(HttpRequest request) {
        if (request.headers().firstValue("authorization").isPresent() || request.headers().firstValue("x-api-key").isPresent()) {
            return sendAnonymous(request);
        }
        HttpRequest.Builder signed = HttpRequest.newBuilder(request, (name, value) -> true)
                .header("authorization", "Bearer " + session.accessToken(client.anonymousChannel()));
        return sendAnonymous(signed.build());
    }

    /** Sends the request as the admin and returns the body's bytes as received (e.g. still gzipped). */
    public HttpResponse<byte[]> sendBytes(HttpRequest request) {
        HttpRequest signed = HttpRequest.newBuilder(request, (name, value) -> true)
                .header("authorization", "Bearer " + session.accessToken(client.anonymousChannel())).build();
        try {
            return http.send(signed, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends the request exactly as given, without the admin's credentials. */
    public HttpResponse<String> sendAnonymous(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }
}
