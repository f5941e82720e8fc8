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
import com.finehero.api.monitoring.v1.Alert;
import com.finehero.api.monitoring.v1.AlertState;
import com.finehero.api.monitoring.v1.GetMetricsRequest;
import com.finehero.api.monitoring.v1.ListAlertsRequest;
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

    /** The disk rule fires on any disk (warn 0), so the alerts panel has a real alert to show. */
    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with("finehero.monitoring.alerts.interval", "PT1H")
            .with("finehero.monitoring.alerts.cpu.enabled", "false")
            .with("finehero.monitoring.alerts.memory.enabled", "false")
            .with("finehero.monitoring.alerts.disk.warn", "0")
            .with("finehero.monitoring.alerts.disk.critical", "100");

    @Test
    void renderedNumbersMatchTheApi() throws Exception {
        APP.clock().advance(java.time.Duration.ofHours(1));
        assertThat(APP.app().alerts().evaluator().evaluateNow().changes()).isNotEmpty();
        String hostile = insertFiringAlert("<img src=x onerror=\"document.body.dataset.pwned='yes'\">&amp;");
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
        Fine fine = Fixtures.fine(APP, APP.channel(), "DB-1", "DB");
        for (int i = 0; i < 9; i++) {
            fines.getFine(GetFineRequest.newBuilder().setFineId(fine.getId()).build());
        }
        catchThrowable(() -> fines.getFine(GetFineRequest.newBuilder().setFineId(UUID.randomUUID().toString()).build()));
        // three HIGH tasks due tomorrow: they wait, so the queue panel has a depth to show
        var tasks = com.finehero.api.tasks.v1.TasksServiceGrpc.newBlockingStub(APP.channel());
        for (int i = 0; i < 3; i++) {
            tasks.submitTask(com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder().setType("noop")
                    .setPriority(com.finehero.api.tasks.v1.TaskPriority.TASK_PRIORITY_HIGH)
                    .setRunAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(APP.clock().instant().plusSeconds(86_400).getEpochSecond()))
                    .build());
        }

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

        List<Alert> firing = MonitoringServiceGrpc.newBlockingStub(APP.channel()).listAlerts(ListAlertsRequest.newBuilder()
                .setState(AlertState.ALERT_STATE_FIRING).setPageSize(100).build()).getAlertsList();
        assertThat(firing).extracting(Alert::getRule).containsExactlyInAnyOrder("disk", "hostile-test");
        for (Alert alert : firing) {
            Matcher row = Pattern.compile("<tr data-alert-id=\"" + Pattern.quote(alert.getId()) + "\">(.*?)</tr>").matcher(dom);
            assertThat(row.find()).as("row for alert " + alert.getRule()).isTrue();
            assertThat(cellIn(row.group(1), "rule")).isEqualTo(alert.getRule());
            assertThat(cellIn(row.group(1), "severity")).isEqualTo(alert.getSeverity().name().replace("ALERT_SEVERITY_", ""));
            assertThat(cellIn(row.group(1), "summary")).isEqualTo(escaped(alert.getSummary()));
        }
        assertThat(dom).contains("id=\"alert-count\">(2)<");

        long pendingHigh = tasks.getQueueStats(com.finehero.api.tasks.v1.GetQueueStatsRequest.getDefaultInstance()).getDepthsList().stream()
                .filter(d -> d.getPriority() == com.finehero.api.tasks.v1.TaskPriority.TASK_PRIORITY_HIGH
                        && d.getState() == com.finehero.api.tasks.v1.TaskState.TASK_STATE_PENDING)
                .mapToLong(com.finehero.api.tasks.v1.QueueDepth::getCount).sum();
        assertThat(pendingHigh).isEqualTo(3);
        Matcher taskRow = Pattern.compile("<tr data-priority=\"TASK_PRIORITY_HIGH\" data-state=\"TASK_STATE_PENDING\">(.*?)</tr>").matcher(dom);
        assertThat(taskRow.find()).as("queue row for pending HIGH tasks").isTrue();
        assertThat(taskRow.group(1)).contains(">" + pendingHigh + "</td>");
        assertThat(firing).filteredOn(a -> a.getId().equals(hostile)).singleElement()
                .satisfies(a -> assertThat(a.getSummary()).startsWith("<img"));
        assertThat(dom).as("alert text is shown, never run").doesNotContain("<img src=x").doesNotContain("data-pwned");

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

    /** A firing alert whose summary is markup, written straight to the database as a hostile writer would. */
    private static String insertFiringAlert(String summary) throws java.sql.SQLException {
        String id = UUID.randomUUID().toString();
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(
                APP.config().get("finehero.db.url").asString().get(), "sa", "");
             java.sql.PreparedStatement insert = connection.prepareStatement("INSERT INTO alerts (id, rule, subject, state, "
                     + "severity, summary, measured, threshold, unit, fire_time, update_time, firing_key) "
                     + "VALUES (?, 'hostile-test', '', 'FIRING', 'CRITICAL', ?, 1, 1, 'percent', ?, ?, ?)")) {
            java.time.OffsetDateTime now = APP.clock().instant().atOffset(java.time.ZoneOffset.UTC);
            insert.setString(1, id);
            insert.setString(2, summary);
            insert.setObject(3, now);
            insert.setObject(4, now);
            insert.setString(5, "hostile-test|");
            insert.executeUpdate();
        }
        return id;
    }

    /** How Chromium's DOM dump writes a text node. */
    private static String escaped(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String cellIn(String row, String field) {
        Matcher cell = Pattern.compile("data-field=\"" + field + "\"[^>]*>([^<]*)<").matcher(row);
        assertThat(cell.find()).as(field + " cell").isTrue();
        return cell.group(1);
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
