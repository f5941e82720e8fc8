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
        client = FineHeroClient.builder().target("127.0.0.1", app.port()).deadline(Duration.ofSeconds(20)).build();
    }

    public Config config() {
        Map<String, String> settings = new HashMap<>();
        settings.put("server.port", "0");
        settings.put("server.host", "127.0.0.1");
        settings.put("finehero.health.interval", "PT0.5S");
        // tasks due after a clock move are found within 100 ms (the clock moves without waking anyone)
        settings.put("finehero.tasks.poll", "PT0.1S");
        settings.put("finehero.tasks.watch-poll", "PT0.1S");
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

    /** The client's channel: every call on it has a deadline. */
    public Channel channel() {
        return client.channel();
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

    public HttpResponse<String> send(HttpRequest request) {
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
