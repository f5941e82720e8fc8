package com.finehero.server.platform.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Migrations only go up. Flyway refuses to upgrade a database that already applied a version above a
 * migration it has not run yet, so each migration's version must be above every migration that reached
 * main before it. "Before" is main's first-parent history: a branch's migrations arrive with its merge,
 * so a branch that started earlier but merges later still needs versions above what main already has.
 * Migrations not committed yet count as arriving last. Git and the full history are required: without
 * them this test fails, saying so, rather than passing unchecked.
 */
class MigrationOrderTest {

    /** The module directory is the working directory of the tests. */
    private static final Path MIGRATIONS = Path.of("src", "main", "resources", "db");
    private static final List<String> DIALECT_LOCATIONS = List.of("h2", "postgresql");
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+(?:[._]\\d+)*)__(.+)\\.sql");
    private static final Pattern REPEATABLE = Pattern.compile("R__.+\\.sql");
    private static final String UNCOMMITTED = "not committed yet";

    private static List<Migration> migrations;

    /** A versioned migration file, and the commit that brought it to main (position counts from the first). */
    record Migration(String path, MigrationVersion version, String description, int arrival, String arrivedIn) {

        String location() {
            return path.substring(0, path.indexOf('/'));
        }

        @Override
        public String toString() {
            return path + " (" + arrivedIn + ")";
        }
    }

    @BeforeAll
    static void readMigrationsAndTheirHistory() throws IOException {
        assertThat(MIGRATIONS).as("migrations directory, relative to " + Path.of("").toAbsolutePath()).isDirectory();
        Map<String, Arrival> arrivals = arrivals(firstParentLog());
        List<Migration> found = new ArrayList<>();
        for (String path : sqlFiles()) {
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (VERSIONED.matcher(name).matches()) {
                found.add(migration(path, arrivals));
            } else if (!REPEATABLE.matcher(name).matches()) {
                // Flyway silently skips a file whose name it cannot parse, so its SQL would never run.
                fail(path + " is not named like a Flyway migration (V<version>__<description>.sql or R__<description>.sql)");
            }
        }
        assertThat(found).as("versioned migrations under " + MIGRATIONS).isNotEmpty();
        assertThat(found).as("migrations git knows of; is this a copy without its history?")
                .anyMatch(migration -> !migration.arrivedIn().equals(UNCOMMITTED));
        migrations = found;
    }

    @Test
    void everyMigrationIsAboveAllThatReachedMainBeforeIt() {
        assertThat(outOfOrder(migrations))
                .as("a database already migrated by an earlier build would refuse these (\"Detected resolved migration not"
                        + " applied to database\"); give each new migration a version above the highest one in any location")
                .isEmpty();
    }

    /**
     * Both databases run db/migration plus their own location, so a version names one migration everywhere:
     * it is either shared by all, or one H2 and one PostgreSQL file of the same description (the same change,
     * written per dialect). A version present for one dialect only is fine: PostgreSQL has migrations H2 has
     * no counterpart for (search vector, storage, planner indexes), and nothing relies on the two lists matching.
     */
    @Test
    void aVersionNamesOneMigrationInEveryLocation() {
        assertThat(sharedVersions(migrations))
                .as("one version per migration; only an H2 + PostgreSQL pair of one description shares one")
                .isEmpty();
    }

    @Test
    void aMigrationAddedBelowOneAlreadyOnMainIsReported() {
        Map<String, Arrival> arrivals = arrivals("""
                commit 1111111 2026-11-23

                A\tmigration/V1__fines.sql
                commit 2222222 2026-11-23

                A\tmigration/V30__auth.sql
                commit 3333333 2026-11-23

                A\tmigration/V10__tasks.sql
                A\th2/V11__tasks_ready_index.sql
                A\tpostgresql/V11__tasks_ready_index.sql
                """);
        List<Migration> history = Stream.of("migration/V1__fines.sql", "migration/V30__auth.sql", "migration/V10__tasks.sql",
                "h2/V11__tasks_ready_index.sql", "postgresql/V11__tasks_ready_index.sql", "migration/V31__uncommitted.sql")
                .map(path -> migration(path, arrivals))
                .toList();

        assertThat(outOfOrder(history)).containsExactlyInAnyOrder(
                "migration/V10__tasks.sql (commit 3333333 2026-11-23) has version 10, not above"
                        + " migration/V30__auth.sql (commit 2222222 2026-11-23) that came before it",
                "h2/V11__tasks_ready_index.sql (commit 3333333 2026-11-23) has version 11, not above"
                        + " migration/V30__auth.sql (commit 2222222 2026-11-23) that came before it",
                "postgresql/V11__tasks_ready_index.sql (commit 3333333 2026-11-23) has version 11, not above"
                        + " migration/V30__auth.sql (commit 2222222 2026-11-23) that came before it");
        assertThat(sharedVersions(history)).isEmpty();
    }

    @Test
    void aRenamedMigrationKeepsTheCommitThatFirstAddedIt() {
        Map<String, Arrival> arrivals = arrivals("""
                commit 1111111 2026-11-23

                A\tmigration/V30__auth.sql
                A\tmigration/V99__dropped.sql
                commit 2222222 2026-12-02

                R100\tmigration/V30__auth.sql\tmigration/V5__auth.sql
                D\tmigration/V99__dropped.sql
                """);

        assertThat(arrivals).containsOnlyKeys("migration/V5__auth.sql");
        assertThat(arrivals.get("migration/V5__auth.sql")).isEqualTo(new Arrival(0, "commit 1111111 2026-11-23"));
    }

    @Test
    void aVersionSharedOtherThanByADialectPairIsReported() {
        Map<String, Arrival> arrivals = arrivals("""
                commit 1111111 2026-11-23

                A\tmigration/V7__tasks.sql
                A\th2/V7__tasks_index.sql
                A\th2/V8__ready.sql
                A\tpostgresql/V8__ready_partial.sql
                """);
        List<Migration> sameCommit = arrivals.keySet().stream().sorted().map(path -> migration(path, arrivals)).toList();

        assertThat(sharedVersions(sameCommit)).hasSize(2).allMatch(problem -> problem.startsWith("version 7 ")
                || problem.startsWith("version 8 "));
    }

    /** Each migration whose version is not above the highest of those that reached main in an earlier commit. */
    static List<String> outOfOrder(List<Migration> migrations) {
        List<String> problems = new ArrayList<>();
        for (Migration later : migrations) {
            migrations.stream()
                    .filter(earlier -> earlier.arrival() < later.arrival())
                    .max(Comparator.comparing(Migration::version))
                    .filter(highest -> later.version().compareTo(highest.version()) <= 0)
                    .ifPresent(highest -> problems.add(later + " has version " + later.version() + ", not above "
                            + highest + " that came before it"));
        }
        return problems;
    }

    /** Versions used by more than one file, other than one H2 + PostgreSQL pair of the same description. */
    static List<String> sharedVersions(List<Migration> migrations) {
        Map<MigrationVersion, List<Migration>> byVersion = new TreeMap<>();
        migrations.forEach(m -> byVersion.computeIfAbsent(m.version(), v -> new ArrayList<>()).add(m));
        List<String> problems = new ArrayList<>();
        byVersion.forEach((version, sharing) -> {
            boolean dialectPair = sharing.stream().map(Migration::location).sorted().toList().equals(DIALECT_LOCATIONS)
                    && sharing.stream().map(Migration::description).distinct().count() == 1;
            if (sharing.size() > 1 && !dialectPair) {
                problems.add("version " + version + " is used by " + sharing);
            }
        });
        return problems;
    }

    static Migration migration(String path, Map<String, Arrival> arrivals) {
        Matcher name = VERSIONED.matcher(path.substring(path.lastIndexOf('/') + 1));
        if (!name.matches()) {
            throw new IllegalArgumentException("not a versioned migration: " + path);
        }
        Arrival arrival = arrivals.getOrDefault(path, new Arrival(Integer.MAX_VALUE, UNCOMMITTED));
        return new Migration(path, MigrationVersion.fromVersion(name.group(1).replace('_', '.')), name.group(2),
                arrival.position(), arrival.commit());
    }

    /** When a migration file reached main: the position of its commit, first to last, and the commit. */
    record Arrival(int position, String commit) { }

    /**
     * Where each file entered main's first-parent line, read from {@link #firstParentLog}, following renames
     * so that a renumbered file keeps the commit that first added it. Deleted files are gone.
     */
    static Map<String, Arrival> arrivals(String log) {
        Map<String, Arrival> arrivals = new HashMap<>();
        int position = -1;
        String commit = "";
        for (String line : log.split("\n")) {
            if (line.startsWith("commit ")) {
                position++;
                commit = line;
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split("\t");
            switch (parts[0].charAt(0)) {
                case 'A', 'C' -> arrivals.put(parts[parts.length - 1], new Arrival(position, commit));
                case 'R' -> {
                    Arrival first = arrivals.remove(parts[1]);
                    arrivals.put(parts[2], first != null ? first : new Arrival(position, commit));
                }
                case 'D' -> arrivals.remove(parts[1]);
                default -> { }
            }
        }
        return arrivals;
    }

    private static String firstParentLog() throws IOException {
        if (git("rev-parse", "--is-shallow-repository").strip().equals("true")) {
            fail("the git history here is shallow, so the order of migrations cannot be checked; fetch all of it"
                    + " (git fetch --unshallow)");
        }
        // --diff-merges=first-parent: a merged branch's files show as added by its merge commit.
        return git("log", "--first-parent", "--diff-merges=first-parent", "--reverse", "--no-color",
                "--format=commit %h %ad", "--date=short", "--name-status", "-M", "--relative", "--", ".");
    }

    private static List<String> sqlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(MIGRATIONS)) {
            return files.filter(Files::isRegularFile)
                    .map(file -> MIGRATIONS.relativize(file).toString().replace('\\', '/'))
                    .filter(path -> path.endsWith(".sql"))
                    .sorted()
                    .toList();
        }
    }

    private static String git(String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of("git", "-c", "core.quotePath=false"));
        command.addAll(List.of(arguments));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(MIGRATIONS.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("git is needed to check the order of migrations, and it could not be started ("
                    + e.getMessage() + "); install git and run the tests from a clone with its history", e);
        }
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("git " + String.join(" ", arguments) + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for git", e);
        }
        if (process.exitValue() != 0) {
            fail("git history is needed to check the order of migrations, and `git " + String.join(" ", arguments)
                    + "` failed (exit " + process.exitValue() + "): " + output.strip());
        }
        return output;
    }
}
