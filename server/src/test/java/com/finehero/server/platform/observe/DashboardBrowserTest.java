package com.finehero.server.platform.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
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
    void aTaskThatFinishesShowsWithoutAReload() throws Exception {
        // polling every ten minutes: after the first read, only the event feed can tell the page anything
        String page = APP.uri("/dashboard").toString() + "?interval=600000#token=" + APP.adminAccessToken();
        try (LivePage live = LivePage.open(binary(), page)) {
            // 'open' once the feed's OPENED event came: the server's subscription is in place
            live.await("document.body.dataset.feed === 'open'", Duration.ofSeconds(30));
            var tasks = com.finehero.api.tasks.v1.TasksServiceGrpc.newBlockingStub(APP.channel());
            com.finehero.api.tasks.v1.Task task = tasks.submitTask(com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder()
                    .setType("noop").build());

            String row = "document.querySelector('tr[data-task-id=\"" + task.getId() + "\"]')";
            live.await(row + " !== null && " + row + ".querySelector('[data-field=state]').textContent === 'SUCCEEDED'",
                    Duration.ofSeconds(30));
            assertThat(live.evaluate(row + ".querySelector('[data-field=type]').textContent")).isEqualTo("noop");
            assertThat(tasks.getTask(com.finehero.api.tasks.v1.GetTaskRequest.newBuilder().setTaskId(task.getId()).build())
                    .getState()).isEqualTo(com.finehero.api.tasks.v1.TaskState.TASK_STATE_SUCCEEDED);
        }
    }

    /**
     * Five fines of a fresh jurisdiction over two months: in the first three (V1, V1, V2), two of them
     * paid; in the second two (V1, V3), one contest dismissed and one upheld. The analytics page must
     * chart exactly those numbers; a screenshot is kept as target/dashboard-analytics.png.
     */
    @Test
    void theAnalyticsPageChartsTheFinesOfAJurisdiction() throws Exception {
        String jurisdiction = "DA" + UUID.randomUUID().toString().substring(0, 6).toUpperCase();
        var fines = FinesServiceGrpc.newBlockingStub(APP.channel());
        java.time.LocalDate first = java.time.LocalDate.ofInstant(APP.clock().instant(), java.time.ZoneOffset.UTC)
                .withDayOfMonth(1).minusMonths(3);
        java.time.LocalDate second = first.plusMonths(1);
        Fine a = analyticsFine(jurisdiction, "V1", first.plusDays(2));
        Fine b = analyticsFine(jurisdiction, "V1", first.plusDays(5));
        analyticsFine(jurisdiction, "V2", first.plusDays(9));
        Fine d = analyticsFine(jurisdiction, "V1", second.plusDays(1));
        Fine e = analyticsFine(jurisdiction, "V3", second.plusDays(3));
        for (Fine paid : List.of(a, b)) {
            fines.payFine(com.finehero.api.fines.v1.PayFineRequest.newBuilder().setFineId(paid.getId())
                    .setIdempotencyKey("da-" + UUID.randomUUID()).setAmount(paid.getAmount()).build());
        }
        for (var ruling : List.of(java.util.Map.entry(d, com.finehero.api.fines.v1.ContestOutcome.CONTEST_OUTCOME_DISMISSED),
                java.util.Map.entry(e, com.finehero.api.fines.v1.ContestOutcome.CONTEST_OUTCOME_UPHELD))) {
            fines.contestFine(com.finehero.api.fines.v1.ContestFineRequest.newBuilder().setFineId(ruling.getKey().getId())
                    .setReason("the sign was hidden").build());
            fines.resolveContest(com.finehero.api.fines.v1.ResolveContestRequest.newBuilder().setFineId(ruling.getKey().getId())
                    .setOutcome(ruling.getValue()).setNote("ruled").build());
        }

        String page = APP.uri("/dashboard/analytics").toString() + "?jurisdiction=" + jurisdiction + "&from=" + first
                + "&to=" + second.plusMonths(1).minusDays(1) + "&bucket=ANALYTICS_BUCKET_MONTH#token=" + APP.adminAccessToken();
        try (LivePage live = LivePage.open(binary(), page)) {
            live.await("document.body.dataset.loaded === 'true'", Duration.ofSeconds(30));
            String bar = "document.querySelector('#issued-paid-chart rect[data-series=%s][data-period=\"%s\"]').dataset.value";
            assertThat(live.evaluate(bar.formatted("issued", first))).isEqualTo("3");
            assertThat(live.evaluate(bar.formatted("paid", first))).isEqualTo("2");
            assertThat(live.evaluate(bar.formatted("issued", second))).isEqualTo("2");
            assertThat(live.evaluate(bar.formatted("paid", second))).isEqualTo("0");
            assertThat(live.evaluate("document.querySelectorAll('#issued-paid-chart rect').length")).isEqualTo("4");
            assertThat(live.evaluate("Array.from(document.querySelectorAll('#codes-chart rect'))"
                    + ".map(r => r.dataset.code + '=' + r.dataset.value).join(',')")).isEqualTo("V1=3,V2=1,V3=1");
            assertThat(live.evaluate("Array.from(document.querySelectorAll('#contests-chart rect'))"
                    + ".map(r => r.dataset.outcome + '=' + r.dataset.value).join(',')")).isEqualTo("awaiting=0,dismissed=1,upheld=1");
            assertThat(live.evaluate("document.querySelector('#periods tr[data-period=\"" + first + "\"] [data-field=paidAmount]').textContent"))
                    .isEqualTo("20.00 EUR");
            assertThat(live.evaluate("document.getElementById('success-rate').textContent")).contains("50.0% of 2 rulings");

            Path screenshot = Path.of("target", "dashboard-analytics.png").toAbsolutePath();
            live.screenshot(screenshot);
            assertThat(Files.size(screenshot)).isGreaterThan(10_000);
        }
    }

    private static Fine analyticsFine(String jurisdiction, String code, java.time.LocalDate issued) {
        long at = issued.atTime(10, 0).toEpochSecond(java.time.ZoneOffset.UTC);
        return FinesServiceGrpc.newBlockingStub(APP.channel()).createFine(com.finehero.api.fines.v1.CreateFineRequest.newBuilder()
                .setFine(Fine.newBuilder().setCitationNumber("DA-" + UUID.randomUUID().toString().substring(0, 8))
                        .setJurisdiction(jurisdiction).setViolationCode(code)
                        .setAmount(com.finehero.api.common.v1.Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(1000))
                        .setIssueTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(at))
                        .setDueTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(at + 200 * 86_400L))).build());
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

    /**
     * A page kept open in headless Chromium and read through the DevTools protocol while it runs, for
     * what a DOM dump at load time cannot show: the page changing by itself afterwards.
     */
    private static final class LivePage implements AutoCloseable {
        private final Process chromium;
        private final Path profile;
        private final java.net.http.WebSocket devtools;
        private final java.util.concurrent.BlockingQueue<String> replies;
        private final java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();

        private LivePage(Process chromium, Path profile, java.net.http.WebSocket devtools,
                         java.util.concurrent.BlockingQueue<String> replies) {
            this.chromium = chromium;
            this.profile = profile;
            this.devtools = devtools;
            this.replies = replies;
        }

        static LivePage open(String binary, String url) throws Exception {
            Path profile = Files.createTempDirectory("finehero-chromium-live");
            Process chromium = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,1400", "--remote-debugging-port=0", url)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Path portFile = profile.resolve("DevToolsActivePort");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).getFirst().strip());
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String pageSocket = null;
            while (pageSocket == null && System.nanoTime() < end) {
                String list = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                for (var target : com.google.gson.JsonParser.parseString(list).getAsJsonArray()) {
                    var object = target.getAsJsonObject();
                    if (object.get("type").getAsString().equals("page") && object.has("webSocketDebuggerUrl")) {
                        pageSocket = object.get("webSocketDebuggerUrl").getAsString();
                    }
                }
                if (pageSocket == null) {
                    Thread.sleep(100);
                }
            }
            java.util.concurrent.BlockingQueue<String> replies = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket socket = http.newWebSocketBuilder().buildAsync(java.net.URI.create(pageSocket),
                    new java.net.http.WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                replies.add(text.toString());
                                text.setLength(0);
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
            return new LivePage(chromium, profile, socket, replies);
        }

        /** The expression's value in the page, as a string ("" for undefined). */
        String evaluate(String expression) throws Exception {
            var params = new com.google.gson.JsonObject();
            params.addProperty("expression", "String(" + expression + ")");
            params.addProperty("returnByValue", true);
            var result = call("Runtime.evaluate", params).getAsJsonObject("result");
            return result.has("value") ? result.get("value").getAsString() : "";
        }

        /** Writes what the page shows to {@code png} (Page.captureScreenshot). */
        void screenshot(Path png) throws Exception {
            var params = new com.google.gson.JsonObject();
            params.addProperty("format", "png");
            params.addProperty("captureBeyondViewport", true);
            Files.write(png, java.util.Base64.getDecoder().decode(call("Page.captureScreenshot", params).get("data").getAsString()));
        }

        /** Sends one DevTools command and returns its result. */
        private com.google.gson.JsonObject call(String method, com.google.gson.JsonObject params) throws Exception {
            int id = ids.incrementAndGet();
            var call = new com.google.gson.JsonObject();
            call.addProperty("id", id);
            call.addProperty("method", method);
            call.add("params", params);
            devtools.sendText(call.toString(), true).get(10, TimeUnit.SECONDS);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end) {
                String reply = replies.poll(200, TimeUnit.MILLISECONDS);
                if (reply == null) {
                    continue;
                }
                var object = com.google.gson.JsonParser.parseString(reply).getAsJsonObject();
                if (object.has("id") && object.get("id").getAsInt() == id) {
                    if (object.has("error")) {
                        throw new AssertionError(method + " failed: " + object.get("error"));
                    }
                    return object.getAsJsonObject("result");
                }
            }
            throw new AssertionError("the page did not answer " + method + " " + params);
        }

        /** Waits until the expression is true in the page. */
        void await(String condition, Duration within) throws Exception {
            long end = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < end) {
                if ("true".equals(evaluate(condition))) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError("never true in the page within " + within + ": " + condition);
        }

        @Override
        public void close() throws Exception {
            devtools.abort();
            // Chromium's helper processes (network service, GPU) keep writing to the profile after the main one dies
            chromium.descendants().forEach(ProcessHandle::destroyForcibly);
            chromium.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            for (int attempt = 0; attempt < 5 && Files.exists(profile); attempt++) {
                try (var files = Files.walk(profile)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (java.io.UncheckedIOException | java.io.IOException vanished) {
                    Thread.sleep(200); // a file went while we walked: walk again
                }
            }
        }
    }
}
