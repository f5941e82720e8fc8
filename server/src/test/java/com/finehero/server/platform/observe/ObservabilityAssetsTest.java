package com.finehero.server.platform.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The alert rules and the Grafana dashboard in src/observability name only metrics a running
 * FineHero really exports, so a renamed metric cannot silently blind them.
 */
class ObservabilityAssetsTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final Path ASSETS = Path.of(System.getProperty("user.dir")).getParent().resolve("src/observability");
    private static final Pattern METRIC = Pattern.compile("\\b((?:finehero|memory|cpu|thread|jvm|gc)_[A-Za-z0-9_]+)");

    @Test
    void alertRulesAndDashboardUseExportedMetrics() throws IOException {
        // one call of each outcome, so the RPC histogram has series
        catchThrowable(() -> FinesServiceGrpc.newBlockingStub(APP.channel())
                .getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()));
        Set<String> exported = exportedNames(APP.get("/observe/metrics").body());

        List<String> expressions = new ArrayList<>();
        Map<String, Object> rules = new Yaml().load(Files.readString(ASSETS.resolve("prometheus-alerts.yaml")));
        for (Object group : (List<?>) rules.get("groups")) {
            for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
                expressions.add(String.valueOf(((Map<?, ?>) rule).get("expr")));
            }
        }
        JsonElement dashboard = JsonParser.parseString(Files.readString(ASSETS.resolve("grafana-dashboard.json")));
        dashboard.getAsJsonObject().getAsJsonArray("panels").forEach(panel -> panel.getAsJsonObject()
                .getAsJsonArray("targets").forEach(t -> expressions.add(t.getAsJsonObject().get("expr").getAsString())));
        assertThat(expressions).hasSizeGreaterThan(10);

        Set<String> referenced = new TreeSet<>();
        for (String expression : expressions) {
            Matcher matcher = METRIC.matcher(expression);
            while (matcher.find()) {
                referenced.add(matcher.group(1));
            }
        }
        assertThat(referenced).isNotEmpty();
        assertThat(exported).as("metrics exported by a running server").containsAll(referenced);
    }

    private static Set<String> exportedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }
}
