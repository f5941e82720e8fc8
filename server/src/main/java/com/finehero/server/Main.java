package com.finehero.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.finehero.server.auth.NewSigningKey;
import com.finehero.server.platform.config.ConfigValues;
import com.finehero.server.platform.observe.JsonLogFormatter;
import com.finehero.server.platform.observe.ShutdownSafeLogManager;
import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/**
 * {@code finehero-server}: with no arguments, starts FineHero with {@code application.yaml} plus
 * environment-variable overrides; {@code finehero-server new-signing-key ...} runs {@link NewSigningKey}.
 */
public final class Main {

    static {
        // before anything touches java.util.logging, so shutdown messages survive SIGTERM
        System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
    }

    /** How long a stop asked for during start-up waits for the start to finish, to drain what it serves. */
    private static final Duration START_WAIT = Duration.ofSeconds(30);

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            NewSigningKey.main(args);
        } else {
            serve();
        }
    }

    private static void serve() {
        LogConfig.configureRuntime();
        Config config = Config.create();
        useLogFormat(ConfigValues.string(config.get("finehero.log"), "format"));
        // The stop is set up before the start: readiness answers 200 before start() returns, and a SIGTERM
        // sent as soon as it does must still drain and close the server (a hook added during shutdown
        // is refused, and the JVM then exits 143 without draining).
        CompletableFuture<FineHeroApp> started = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeOnceStarted(started);
            ShutdownSafeLogManager.resetAtExit();
        }, "finehero-shutdown"));
        exitZeroOnTerm();
        try {
            started.complete(FineHeroApp.start(config));
        } catch (RuntimeException | Error e) {
            started.completeExceptionally(e);
            throw e;
        }
    }

    /** Closes the app when its start finishes; one that failed, or is still starting after a while, has nothing to drain. */
    private static void closeOnceStarted(CompletableFuture<FineHeroApp> started) {
        try {
            started.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS).close();
        } catch (ExecutionException | TimeoutException notStarted) {
            // nothing serving calls
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGTERM is how Kubernetes, Podman and systemd ask for a stop: it runs the same shutdown (drain,
     * then close) as before, but ends with status 0 instead of the JVM's 143, so a drained stop is not
     * reported as a failure. SIGINT and SIGKILL keep the JVM's behaviour.
     */
    @SuppressWarnings("sunapi")
    private static void exitZeroOnTerm() {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
            Thread exit = new Thread(() -> System.exit(0), "finehero-sigterm");
            exit.start();
        });
    }

    /** "json": one JSON event per line on every root handler; "text" keeps logging.properties' format. */
    private static void useLogFormat(String format) {
        switch (format) {
            case "text" -> { }
            case "json" -> {
                for (java.util.logging.Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
                    handler.setFormatter(new JsonLogFormatter());
                }
            }
            default -> throw new IllegalArgumentException("configuration finehero.log.format = '" + format
                    + "' is invalid: expected text or json (env var FINEHERO_LOG_FORMAT)");
        }
    }
}
