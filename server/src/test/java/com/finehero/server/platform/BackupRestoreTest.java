package com.finehero.server.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.tasks.v1.GetTaskRequest;
import com.finehero.api.tasks.v1.SubmitTaskRequest;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.client.FineHeroClient;
import com.finehero.server.FineHeroApp;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.Fixtures;
import com.finehero.server.testing.OwnPostgres;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code bin/finehero-backup} and {@code bin/finehero-restore} end to end: a FineHero schema populated
 * through the API (fines, tasks, users, the audit trail and event outbox they write) plus generated
 * fines ({@code -Dfinehero.backup.rows}, default 100,000) is backed up, encrypted, from the machine's
 * PostgreSQL and restored into a fresh PostgreSQL of the test's own; every table's row count and
 * checksum and every sequence's position must match those of the source (taken once its FineHero has
 * stopped writing), and FineHero must start on the restored database
 * and serve what was there. Wrong keys, damaged files and non-empty targets are refused; retention
 * deletes by age and by count. Figures: {@code target/scaleout/backup-restore.json}.
 */
@Tag("scaleout")
class BackupRestoreTest {

    private static final int ROWS = Integer.getInteger("finehero.backup.rows", 100_000);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Path BIN = Path.of("..", "bin").toAbsolutePath().normalize();

    static final OwnPostgres TARGET = OwnPostgres.start();

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    @AfterAll
    static void stopTarget() {
        TARGET.close();
    }

    @Test
    void aBackupRestoresIntoAFreshDatabaseWithEveryTableIdentical(@TempDir Path work) throws Exception {
        String schema = APP.config().get("finehero.db.schema").asString().get();
        Fine kept = populate(schema);
        // no more writes from here (task polls, alert evaluations, the outbox's sequence): what the
        // restore must reproduce is this state, taken before the backup
        APP.app().close();
        Map<String, String> source;
        try (Connection from = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "")) {
            source = fingerprint(from, schema);
        }
        Path key = Files.writeString(work.resolve("backup.key"), Base64.getEncoder().encodeToString(randomBytes(32)));
        Path backups = Files.createDirectories(work.resolve("backups"));
        Instant now = Instant.now();
        Path old = Files.writeString(backups.resolve("finehero-" + STAMP.format(now.minus(Duration.ofDays(40))) + ".dump.gpg"), "old");
        Path earlier = Files.writeString(backups.resolve("finehero-" + STAMP.format(now.minus(Duration.ofHours(2))) + ".dump.gpg"), "x");
        Path recent = Files.writeString(backups.resolve("finehero-" + STAMP.format(now.minus(Duration.ofHours(1))) + ".dump.gpg"), "y");

        // retention by age: the 40-day-old backup goes, the recent ones stay
        Run first = run(List.of(script("finehero-backup"), "--db", Backend.pgUrl(), "--schema", schema, "--dir", backups.toString(),
                "--key-file", key.toString(), "--keep-days", "30"), Map.of());
        assertThat(first.exit()).as(first.output()).isZero();
        assertThat(old).doesNotExist();
        assertThat(earlier).exists();
        assertThat(recent).exists();
        Thread.sleep(1_100); // backups are named by the second

        // retention by count, with the key from the environment this time
        Run second = run(List.of(script("finehero-backup"), "--db", Backend.pgUrl(), "--schema", schema, "--dir", backups.toString(),
                "--keep", "2"), Map.of("FINEHERO_BACKUP_KEY", Files.readString(key)));
        assertThat(second.exit()).as(second.output()).isZero();
        List<Path> left = list(backups);
        assertThat(left).as("the two newest backups").hasSize(2).doesNotContain(earlier, recent);
        Path backup = left.getLast();
        assertThat(second.output()).contains(backup.getFileName().toString());
        assertThat(new String(Files.readAllBytes(backup), java.nio.charset.StandardCharsets.ISO_8859_1))
                .as("encrypted: no schema or statement in clear").doesNotContain(schema).doesNotContain("CREATE TABLE");

        // refusals: a wrong key, a damaged file; the target stays empty for the real restore
        Path wrongKey = Files.writeString(work.resolve("wrong.key"), "not-the-key");
        Run wrong = run(List.of(script("finehero-restore"), "--db", TARGET.jdbcUrl(), "--key-file", wrongKey.toString(), backup.toString()), Map.of());
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.output()).contains("cannot decrypt");
        Path damaged = work.resolve("damaged.dump.gpg");
        byte[] bytes = Files.readAllBytes(backup);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(damaged, bytes);
        Run altered = run(List.of(script("finehero-restore"), "--db", TARGET.jdbcUrl(), "--key-file", key.toString(), damaged.toString()), Map.of());
        assertThat(altered.exit()).isNotZero();
        assertThat(altered.output()).contains("cannot decrypt");
        try (Connection target = TARGET.connect()) {
            assertThat(tables(target, schema)).as("tables in the target after refused restores").isEmpty();
        }

        Run restore = run(List.of(script("finehero-restore"), "--db", TARGET.jdbcUrl(), "--key-file", key.toString(), backup.toString()), Map.of());
        assertThat(restore.exit()).as(restore.output()).isZero();

        Map<String, String> restored;
        try (Connection to = TARGET.connect()) {
            restored = fingerprint(to, schema);
        }
        assertThat(source).as("tables and sequences of the source").containsKey("table fines").hasSizeGreaterThan(10);
        assertThat(restored).as("every table's rows and checksum, every sequence's position").isEqualTo(source);

        Run again = run(List.of(script("finehero-restore"), "--db", TARGET.jdbcUrl(), "--key-file", key.toString(), backup.toString()), Map.of());
        assertThat(again.exit()).isNotZero();
        assertThat(again.output()).contains("not empty");

        // FineHero starts on the restored database (nothing left to migrate) and serves what was backed up
        Config onRestored = Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .addSource(ConfigSources.create(Map.of("finehero.db.url", TARGET.jdbcUrl(), "finehero.db.user", TARGET.user(),
                        // no shared cache: what it serves comes from the restored database
                        "finehero.redis.address", "")))
                .addSource(ConfigSources.create(APP.config()))
                .build();
        try (FineHeroApp app = FineHeroApp.start(onRestored, APP.clock()); FineHeroClient client = APP.clientFor(app)) {
            Fine read = client.fines().getFine(GetFineRequest.newBuilder().setFineId(kept.getId()).build());
            assertThat(read.getCitationNumber()).isEqualTo(kept.getCitationNumber());
        }

        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("scenario", "pg_dump custom format of one FineHero schema, gpg AES-256, restored with pg_restore --single-transaction");
        figures.put("recorded", Instant.now().toString());
        figures.put("load_average", SharedRedisProbes.loadAverage());
        figures.put("generated_fines", ROWS);
        figures.put("rows", source.entrySet().stream().filter(e -> e.getKey().startsWith("table "))
                .mapToLong(e -> Long.parseLong(e.getValue().split(" ")[0])).sum());
        figures.put("database_bytes", schemaBytes(schema));
        figures.put("backup_bytes", Files.size(backup));
        figures.put("backup_seconds", seconds(second.output()));
        figures.put("restore_seconds", seconds(restore.output()));
        RedisSentinelFailoverTest.write("backup-restore.json", figures);
    }

    /** Fines, a task, a user through the API (with their audit and outbox rows), then generated fines. */
    private static Fine populate(String schema) throws SQLException {
        Fine first = null;
        for (int i = 0; i < 20; i++) {
            Fine fine = Fixtures.fine(APP, APP.channel(), "BK-" + i, "BK");
            first = first == null ? fine : first;
        }
        String task = APP.client().tasks().submitTask(SubmitTaskRequest.newBuilder().setType("noop").build()).getId();
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.client().tasks()
                .getTask(GetTaskRequest.newBuilder().setTaskId(task).build()).getState() == TaskState.TASK_STATE_SUCCEEDED);
        APP.userWith(com.finehero.api.auth.v1.Role.ROLE_VIEWER);
        try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
             Statement statement = connection.createStatement()) {
            List<String> columns = new ArrayList<>();
            try (ResultSet column = statement.executeQuery("SELECT column_name FROM information_schema.columns WHERE table_schema = '"
                    + schema + "' AND table_name = 'fines' ORDER BY ordinal_position")) {
                while (column.next()) {
                    columns.add(column.getString(1));
                }
            }
            String select = String.join(", ", columns.stream().map(c -> switch (c) {
                case "id" -> "gen_random_uuid()::text";
                case "citation_number" -> "'GEN-' || g";
                // varied like real fines, so the dump compresses like real data would, not like copies
                case "amount_minor" -> "1000 + (random() * 90000)::bigint";
                case "violation_description" -> "md5(random()::text) || ' ' || md5(random()::text)";
                case "address" -> "(random() * 2000)::int || ' ' || md5(random()::text)";
                case "vehicle_plate" -> "upper(substr(md5(random()::text), 1, 7))";
                case "latitude" -> "37.7 + random() / 10";
                case "longitude" -> "-122.5 + random() / 10";
                default -> "f." + c;
            }).toList());
            statement.executeUpdate("INSERT INTO " + schema + ".fines (" + String.join(", ", columns) + ") SELECT " + select
                    + " FROM " + schema + ".fines f, generate_series(1, " + ROWS + ") g WHERE f.id = '" + first.getId() + "'");
            statement.execute("ANALYZE " + schema + ".fines");
        }
        return first;
    }

    /** Per table "rows checksum", per sequence its last value, keyed "table x" / "sequence x". */
    private static Map<String, String> fingerprint(Connection connection, String schema) throws SQLException {
        Map<String, String> result = new TreeMap<>();
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET TimeZone = 'UTC'");
            for (String table : tables(connection, schema)) {
                try (ResultSet row = statement.executeQuery("SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '')"
                        + " FROM " + schema + "." + table + " t")) {
                    row.next();
                    result.put("table " + table, row.getLong(1) + " " + row.getString(2));
                }
            }
            List<String> sequences = new ArrayList<>();
            try (ResultSet sequence = statement.executeQuery("SELECT sequencename FROM pg_sequences WHERE schemaname = '" + schema + "'")) {
                while (sequence.next()) {
                    sequences.add(sequence.getString(1));
                }
            }
            for (String sequence : sequences) {
                try (ResultSet row = statement.executeQuery("SELECT last_value, is_called FROM " + schema + "." + sequence)) {
                    row.next();
                    result.put("sequence " + sequence, row.getLong(1) + " " + row.getBoolean(2));
                }
            }
        }
        return result;
    }

    private static List<String> tables(Connection connection, String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename")) {
            statement.setString(1, schema);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    tables.add(row.getString(1));
                }
            }
        }
        return tables;
    }

    private static long schemaBytes(String schema) throws SQLException {
        try (Connection connection = DriverManager.getConnection(Backend.pgUrl(), Backend.pgUser(), "");
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                             + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p')")) {
            statement.setString(1, schema);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static double seconds(String output) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(" in ([0-9.]+) s").matcher(output);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
    }

    private static String script(String name) {
        return BIN.resolve(name).toString();
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().startsWith("finehero-")).sorted().toList();
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private record Run(int exit, String output) { }

    private static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGUSER", Backend.pgUser());
        builder.environment().remove("FINEHERO_BACKUP_KEY");
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish");
        }
        return new Run(process.exitValue(), output);
    }
}
