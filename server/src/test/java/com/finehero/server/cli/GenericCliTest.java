package com.finehero.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import com.finehero.client.cli.FineHeroCli;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands the CLI derives from the contract (finehero <service> <rpc>), called against a real server. */
class GenericCliTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @TempDir
    static Path sessions;

    record Run(int exit, String out, String err) { }

    /** Runs the CLI as the admin. */
    static Run finehero(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = FineHeroCli.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("--target", "127.0.0.1:" + APP.port(),
                "--sessions-dir", sessions.toString(), "--token", APP.adminAccessToken()));
        all.addAll(java.util.List.of(args));
        return new Run(line.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    static JsonObject json(Run run) {
        assertThat(run.exit()).as(run.err()).isZero();
        return JsonParser.parseString(run.out()).getAsJsonObject();
    }

    @Test
    void updateFineWithSetAndReadItBackAsTableAndYaml() {
        JsonObject created = json(finehero("-o", "json", "fines", "create", "--citation", "GEN-1", "--jurisdiction", "gen",
                "--violation", "P1", "--amount", "45.50", "--issued", "2026-11-20T10:00:00Z", "--due", "2099-12-20T10:00:00Z"));
        String id = created.get("id").getAsString();
        String version = created.get("version").getAsString();

        JsonObject updated = json(finehero("fines", "update-fine", "-o", "json", "--set", "fine.id=" + id, "--set", "fine.version=" + version,
                "--set", "fine.vehicle_plate=GEN 42", "--set", "update_mask=vehicle_plate"));
        assertThat(updated.get("vehiclePlate").getAsString()).isEqualTo("GEN42");
        assertThat(updated.get("version").getAsLong()).isGreaterThan(Long.parseLong(version));

        Run table = finehero("fines", "get-fine", "--fine-id", id);
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).contains("FIELD").contains("vehiclePlate").contains("GEN42").contains("amount.amountMinor");
        Run yaml = finehero("fines", "get-fine", "--fine-id", id, "-o", "yaml");
        assertThat(yaml.out()).contains("id: \"" + id + "\"").contains("amount:\n  currencyCode: \"USD\"");

        Run stale = finehero("fines", "update-fine", "--set", "fine.id=" + id, "--set", "fine.version=" + version,
                "--set", "fine.vehicle_plate=OTHER", "--set", "update_mask=vehicle_plate");
        assertThat(stale.exit()).as("a stale version is refused with the CLI's exit code for rejections: " + stale.err()).isEqualTo(4);
        assertThat(finehero("fines", "get-fine", "--fine-id", "00000000-0000-0000-0000-000000000000").exit()).isEqualTo(3);
        Run bad = finehero("fines", "update-fine", "--set", "fine.colour=red");
        assertThat(bad.exit()).as("an unknown field is a usage error").isEqualTo(2);
        assertThat(bad.err()).contains("no field 'colour'");
    }

    @Test
    void queueStatsAuditEventsAndApiKeys(@TempDir Path files) throws Exception {
        Run stats = finehero("tasks", "get-queue-stats");
        assertThat(stats.exit()).as(stats.err()).isZero();
        assertThat(stats.out()).as("the depths as rows, the other fields below").containsPattern("(PRIORITY|no depths)").contains("workersHere: ");
        assertThat(json(finehero("tasks", "get-queue-stats", "-o", "json")).get("workersHere").getAsInt()).isPositive();

        Path request = files.resolve("key.json");
        Files.writeString(request, "{\"name\": \"gen-cli-key\", \"roles\": [\"ROLE_ADMIN\"]}");
        JsonObject key = json(finehero("auth", "create-api-key", "--from-file", request.toString(), "-o", "json"));
        assertThat(key.get("secret").getAsString()).isNotBlank();
        assertThat(key.getAsJsonObject("apiKey").get("name").getAsString()).isEqualTo("gen-cli-key");

        Run keys = finehero("auth", "list-api-keys");
        assertThat(keys.exit()).as(keys.err()).isZero();
        assertThat(keys.out()).as("one row per key").contains("NAME").contains("gen-cli-key");

        Run withKey = finehero("--api-key", key.get("secret").getAsString(), "fines", "get-fine-stats");
        assertThat(withKey.exit()).as("the new key works: " + withKey.err()).isZero();

        JsonObject audit = json(finehero("auth", "list-audit-events", "--method", "CreateApiKey", "-o", "json"));
        assertThat(audit.getAsJsonArray("events")).isNotEmpty();
        assertThat(audit.getAsJsonArray("events").get(0).getAsJsonObject().get("method").getAsString()).endsWith("/CreateApiKey");
    }

    @Test
    void aServerStreamPrintsEachMessageAsItArrives() {
        JsonObject task = json(finehero("tasks", "submit-task", "--type", "fines_export", "--set", "payload={\"jurisdiction\": \"GEN\"}", "-o", "json"));
        Run watch = finehero("tasks", "watch-task", "--task-id", task.get("id").getAsString(), "-o", "json");
        assertThat(watch.exit()).as(watch.err()).isZero();
        java.util.List<String> lines = watch.out().lines().toList();
        assertThat(lines).as("one JSON message per line, the last one final").isNotEmpty();
        lines.forEach(line -> assertThat(JsonParser.parseString(line).getAsJsonObject().get("id").getAsString()).isEqualTo(task.get("id").getAsString()));
        assertThat(lines.getLast()).contains("TASK_STATE_SUCCEEDED");
    }
}
