package com.finehero.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The database-access benchmark's summary of alternating rounds, and its line counts of this repository. */
class DbClientBenchReportTest {

    @Test
    void eachModeGetsItsMedianRoundFiguresAndItsRatioToTheBaseline(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs.ndjson");
        Files.write(runs, List.of(
                run("get", "plain_jdbc", 1, 1000, 1.0, 4.0, 100), run("get", "dbclient", 1, 900, 1.2, 5.0, 120),
                run("get", "plain_jdbc", 2, 1200, 0.9, 3.0, 90), run("get", "dbclient", 2, 1140, 1.0, 9.0, 100),
                run("get", "plain_jdbc", 3, 800, 1.1, 6.0, 110), run("get", "dbclient", 3, 600, 1.5, 7.0, 140)));
        Path result = dir.resolve("result.json");

        DbClientBench.report(runs, Path.of("..").toAbsolutePath().normalize(), result);

        JsonObject report = JsonParser.parseString(Files.readString(result)).getAsJsonObject();
        assertEquals(3, report.get("rounds").getAsInt());
        assertEquals(4, report.get("callers").getAsInt());
        JsonObject dbclient = report.getAsJsonObject("results").getAsJsonObject("get").getAsJsonObject("dbclient");
        assertEquals(900, dbclient.get("median_calls_per_second").getAsDouble());
        assertEquals(1.2, dbclient.get("median_p50_ms").getAsDouble());
        assertEquals(7.0, dbclient.get("median_p99_ms").getAsDouble());
        assertEquals(0.9, dbclient.get("throughput_vs_plain_jdbc").getAsDouble(), "900 / 1000");
        assertEquals(0.9, dbclient.get("median_round_ratio_vs_plain_jdbc").getAsDouble(), "of 0.9, 0.95 and 0.75");
        assertEquals(0.1, dbclient.get("cost").getAsDouble(), 1e-9);
        assertEquals(120, dbclient.get("median_cpu_us_per_call").getAsDouble());
        assertEquals(1.2, dbclient.get("cpu_per_call_vs_plain_jdbc").getAsDouble(), "120 / 100");
        assertEquals(3, dbclient.getAsJsonArray("rounds").size());
    }

    @Test
    void everyCountedMethodIsFoundInTheSources() throws Exception {
        JsonObject loc = DbClientBench.linesOfCode(Path.of("..").toAbsolutePath().normalize());

        for (String way : List.of("plain_jdbc", "sql_helper", "dbclient")) {
            JsonObject counts = loc.getAsJsonObject(way);
            int sum = counts.entrySet().stream().filter(e -> !e.getKey().equals("total")).mapToInt(e -> e.getValue().getAsInt()).sum();
            assertEquals(counts.get("total").getAsInt(), sum, way);
            counts.entrySet().forEach(e -> assertTrue(e.getValue().getAsInt() > 0, way + " " + e.getKey()));
        }
    }

    private static String run(String operation, String mode, int round, double callsPerSecond, double p50, double p99, double cpuMicros) {
        return String.format(java.util.Locale.ROOT, "{\"name\":\"%s\",\"operation\":\"%s\",\"round\":%d,\"seconds\":10.0,\"fines\":100,\"callers\":4,\"warmup_seconds\":2,"
                + "\"calls_per_second\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"cpu_us_per_call\":%.3f}",
                mode, operation, round, callsPerSecond, p50, p99, cpuMicros);
    }
}
