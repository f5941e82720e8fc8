package com.finehero.bench.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import com.finehero.api.auth.v1.CreateApiKeyRequest;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** finehero-load against a real (embedded) server: a short run of each protocol, with its reports. */
class LoadToolTest {

    private static FineHeroApp app;
    private static String apiKey;

    @BeforeAll
    static void start() {
        app = FineHeroApp.start(Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(Map.of(
                        "server.port", "0", "server.host", "127.0.0.1",
                        "finehero.db.url", "jdbc:h2:mem:load-tool;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1",
                        "finehero.auth.bootstrap-admin.password", "load-tool-admin-password",
                        "finehero.auth.bootstrap-admin.must-change-password", "false",
                        "finehero.auth.bcrypt-cost", "4",
                        "finehero.security.rate-limits.per-identity", "100000000",
                        "finehero.security.rate-limits.global", "100000000",
                        "finehero.security.rate-limits.per-address", "100000000")))
                .addSource(ConfigSources.classpath("application.yaml")).build(), Clock.systemUTC());
        // a first call on a cold server of a busy machine (CI runs several JVMs) may take longer than the client's default deadline
        try (FineHeroClient admin = FineHeroClient.builder().target("127.0.0.1", app.port()).deadline(Duration.ofSeconds(60))
                .credentials("admin", "load-tool-admin-password").build()) {
            apiKey = admin.auth().createApiKey(CreateApiKeyRequest.newBuilder().setName("load").build()).getSecret();
        }
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aShortRunReportsEveryCallTypeAsTableJsonAndHtml(@TempDir Path dir) throws Exception {
        for (String protocol : new String[] {"grpc", "rest"}) {
            Path json = dir.resolve(protocol + ".json");
            Path html = dir.resolve(protocol + ".html");
            int exit = new CommandLine(new LoadTool()).execute("--target", "127.0.0.1:" + app.port(), "--api-key", apiKey,
                    "--scenario", "mixed-day", "--users", "4", "--warmup", "PT0S", "--duration", "PT2S", "--protocol", protocol,
                    "--report", json.toString(), "--html", html.toString());
            assertEquals(0, exit, protocol + " run succeeds");
            JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertEquals("mixed-day", report.get("scenario").getAsString());
            assertTrue(report.get("total_requests").getAsLong() > 0);
            JsonObject getFine = report.getAsJsonObject("endpoints").getAsJsonObject("GetFine");
            assertTrue(getFine.get("requests").getAsLong() > 0, protocol + " GetFine ran");
            assertTrue(getFine.get("p99_ms").getAsDouble() >= getFine.get("p50_ms").getAsDouble());
            assertEquals(1.0, report.get("success_rate").getAsDouble(), 1e-9);
            assertTrue(Files.readString(html).contains("<svg"));
        }
        Path burst = dir.resolve("burst.json");
        assertEquals(0, new CommandLine(new LoadTool()).execute("--target", "127.0.0.1:" + app.port(), "--api-key", apiKey,
                "--scenario", "task-burst", "--users", "4", "--warmup", "PT0S", "--duration", "PT1S", "--report", burst.toString()));
        assertTrue(JsonParser.parseString(Files.readString(burst)).getAsJsonObject().getAsJsonObject("endpoints")
                .getAsJsonObject("SubmitTask").get("requests").getAsLong() > 0);
        assertEquals(2, new CommandLine(new LoadTool()).execute("--scenario", "no-such-thing", "--api-key", apiKey));
    }
}
