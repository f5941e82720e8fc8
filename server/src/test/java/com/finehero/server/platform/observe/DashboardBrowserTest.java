package com.finehero.server.platform.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.monitoring.v1.RpcStats;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Headless Chromium renders the dashboard (its JavaScript polls the REST API); the numbers in the
 * rendered page must match the API, and a screenshot is saved under server/target. Chromium is
 * required: .ci/run installs Debian's package when it is missing; this test never skips.
 */
class DashboardBrowserTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void renderedNumbersMatchTheApi() throws Exception {
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
        Fine fine = Fixtures.fine(APP, APP.channel(), "DB-1", "DB");
        for (int i = 0; i < 9; i++) {
            fines.getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
        }
        catchThrowable(() -> fines.getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()));

        String signedIn = APP.uri("/dashboard").toString() + "#token=" + APP.adminAccessToken();
        String anonymous = chromium("--dump-dom", APP.uri("/dashboard").toString());
        assertThat(anonymous).as("without a token the page asks for a login").containsPattern("<form id=\"login\">")
                .doesNotContain("data-loaded=\"true\"");
        String dom = chromium("--dump-dom", signedIn);
        assertThat(dom).contains("data-loaded=\"true\"");
        RpcStats getFine = MonitoringServiceGrpc.newBlockingStub(APP.channel()).getMetrics(GetMetricsRequest.getDefaultInstance())
                .getRpcsList().stream().filter(r -> r.getMethod().endsWith("FinesService/GetFine")).findFirst().orElseThrow();
        assertThat(getFine.getCalls()).isEqualTo(10);
        assertThat(field(dom, "finehero.fines.v1.FinesService/GetFine", "calls")).isEqualTo("10");
        assertThat(field(dom, "finehero.fines.v1.FinesService/GetFine", "errors")).isEqualTo("1");
        assertThat(dom).containsPattern("id=\"overall\"[^>]*data-status=\"(UP|DEGRADED)\"");
        assertThat(dom).contains("<td>database</td>");

        Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        chromium("--screenshot=" + screenshot, "--window-size=1280,1000", signedIn);
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    @Test
    void pageIsServedWithAStrictPolicy() {
        var page = APP.get("/dashboard");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(policy ->
                assertThat(policy).contains("script-src 'self'").doesNotContain("unsafe-inline"));
        assertThat(page.body()).doesNotContain("<script>");
        assertThat(APP.get("/dashboard/../application.yaml").statusCode()).isNotEqualTo(200);
        assertThat(APP.get("/dashboard/other.js").statusCode()).isEqualTo(404);
    }

    private static String field(String dom, String method, String field) {
        Matcher row = Pattern.compile("<tr data-method=\"" + Pattern.quote(method) + "\">(.*?)</tr>").matcher(dom);
        assertThat(row.find()).as("row for " + method).isTrue();
        Matcher cell = Pattern.compile("data-field=\"" + field + "\">([^<]*)<").matcher(row.group(1));
        assertThat(cell.find()).as(field + " cell").isTrue();
        return cell.group(1);
    }

    /** Runs headless Debian Chromium with the flags this closed network needs; returns stdout. */
    private static String chromium(String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("finehero-chromium");
        List<String> command = new ArrayList<>(List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=8000"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return out;
    }

    private static String binary() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("headless Chromium is needed for the dashboard test: apt-get install chromium "
                + "(.ci/run installs it)");
    }
}
