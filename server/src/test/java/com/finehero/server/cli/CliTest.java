package com.finehero.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.client.cli.FineHeroCli;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.gson.JsonParser;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** The finehero CLI against a real server: output, JSON, exit codes. */
class CliTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    record Run(int exit, String out, String err) { }

    @TempDir
    static Path sessions;

    /** Runs the CLI as the admin (with --token) unless the arguments name credentials. */
    static Run finehero(String... args) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("--sessions-dir", sessions.toString()));
        if (java.util.Arrays.stream(args).noneMatch(a -> a.equals("--token") || a.equals("--api-key") || a.equals("--anonymous"))) {
            all.addAll(java.util.List.of("--token", APP.adminAccessToken()));
        }
        all.addAll(java.util.Arrays.stream(args).filter(a -> !a.equals("--anonymous")).toList());
        return run(all.toArray(String[]::new));
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = FineHeroCli.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        all[0] = "--target";
        all[1] = "127.0.0.1:" + APP.port();
        System.arraycopy(args, 0, all, 2, args.length);
        return new Run(line.execute(all), out.toString(), err.toString());
    }

    @Test
    void createListContestPayAFine() {
        Run created = finehero("-o", "json", "fines", "create", "--citation", "CLI-1", "--jurisdiction", "cli",
                "--violation", "P1", "--amount", "45.50", "--issued", "2026-11-20T10:00:00Z", "--due", "2099-12-20T10:00:00Z",
                "--plate", "7abc 123");
        assertThat(created.exit()).as(created.err()).isZero();
        String id = JsonParser.parseString(created.out()).getAsJsonObject().get("id").getAsString();

        Run list = finehero("fines", "list", "--jurisdiction", "CLI");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("CITATION").contains(id).contains("45.50 USD").contains("OPEN").contains("7ABC123");

        assertThat(finehero("fines", "contest", id, "--reason", "The sign was hidden by a tree.").out()).contains("CONTESTED");
        Run pay = finehero("fines", "pay", id, "--amount", "45.50", "--key", "cli-key-0001");
        assertThat(pay.exit()).as("a contested fine cannot be paid").isEqualTo(4);
        assertThat(pay.err()).contains("FAILED_PRECONDITION").contains("CONTESTED");
    }

    @Test
    void eventsWatchReplaysAFinesChangesAfterAnEventId() {
        Run created = finehero("-o", "json", "fines", "create", "--citation", "CLI-EV", "--jurisdiction", "cli",
                "--violation", "P1", "--amount", "12.00", "--issued", "2026-11-20T10:00:00Z", "--due", "2099-12-20T10:00:00Z");
        assertThat(created.exit()).as(created.err()).isZero();
        String id = JsonParser.parseString(created.out()).getAsJsonObject().get("id").getAsString();
        assertThat(finehero("fines", "contest", id, "--reason", "The sign was hidden by a tree.").exit()).isZero();

        Run watched = finehero("events", "watch", "--fine", id, "--after", "1", "--count", "2");
        assertThat(watched.exit()).as(watched.err()).isZero();
        assertThat(watched.out().lines().toList()).hasSize(2).satisfiesExactly(
                first -> assertThat(first).contains("FINE_CREATED").contains("fine " + id),
                second -> assertThat(second).contains("FINE_CONTESTED").contains("CONTESTED"));
    }

    @Test
    void exitCodesMeanSomething() {
        Run missing = finehero("fines", "get", "00000000-0000-0000-0000-000000000000");
        assertThat(missing.exit()).isEqualTo(3);
        assertThat(missing.err()).contains("NOT_FOUND");
        Run anonymous = finehero("--anonymous", "fines", "list");
        assertThat(anonymous.exit()).as("no credentials").isEqualTo(6);
        assertThat(anonymous.err()).contains("UNAUTHENTICATED");
        assertThat(finehero("--token", "not.a.token", "fines", "list").exit()).isEqualTo(6);
        Run invalid = finehero("fines", "get", "not-a-uuid");
        assertThat(invalid.exit()).isEqualTo(4);
        assertThat(invalid.err()).contains("fine_id");
        assertThat(finehero("fines", "list", "--page-size", "lots").exit()).isEqualTo(2);
    }

    @Test
    void loginSavesASessionThatLaterCommandsUseUntilLogout() {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream((FineHeroExtension.ADMIN_PASSWORD + "\n").getBytes()));
            Run login = finehero("--anonymous", "login", "-u", FineHeroExtension.ADMIN_USERNAME, "--password-stdin");
            assertThat(login.exit()).as(login.err()).isZero();
            assertThat(login.out()).contains("logged in as admin");
        } finally {
            System.setIn(stdin);
        }
        Run list = finehero("--anonymous", "fines", "list");
        assertThat(list.exit()).as("the saved session is used: " + list.err()).isZero();
        assertThat(finehero("--anonymous", "logout").exit()).isZero();
        assertThat(finehero("--anonymous", "fines", "list").exit()).as("the session is gone").isEqualTo(6);
    }

    @Test
    void uploadStreamsAFileWithProgressAndDownloadGivesTheSameBytes(@TempDir Path files) throws Exception {
        String text = "Section 1. Parking within 15 feet of a fire hydrant is prohibited.\n".repeat(12_000); // ~800 KB
        Path source = files.resolve("hydrants.txt");
        java.nio.file.Files.writeString(source, text);
        Run upload = finehero("documents", "upload", source.toString(), "--title", "Hydrant rules", "--kind", "statute",
                "--jurisdiction", "CLI-UP", "--tag", "hydrant");
        assertThat(upload.exit()).as(upload.err()).isZero();
        assertThat(upload.err()).as("progress bar").contains("upload [").contains("100%");
        String id = upload.out().replaceAll("(?s).*uploaded ([0-9a-f-]{36}).*", "$1");

        Path copy = files.resolve("copy.txt");
        Run download = finehero("documents", "download", id, copy.toString());
        assertThat(download.exit()).as(download.err()).isZero();
        assertThat(java.nio.file.Files.readString(copy)).isEqualTo(text);
        assertThat(finehero("documents", "upload", files.resolve("missing.txt").toString(), "--title", "x", "--kind", "statute",
                "--jurisdiction", "X").exit()).as("a missing file").isEqualTo(1);
    }

    @Test
    void aPdfIsUploadedAsApplicationPdfByItsExtensionAndDownloadedAsSent(@TempDir Path files) throws Exception {
        byte[] pdf = com.finehero.server.testing.TestPdfs.text("Meters run until six.", "Hydrant clearance is fifteen feet.");
        Path source = files.resolve("Code.PDF");
        java.nio.file.Files.write(source, pdf);
        Run upload = finehero("documents", "upload", source.toString(), "--title", "Parking code", "--kind", "statute",
                "--jurisdiction", "CLI-PDF", "--no-progress");
        assertThat(upload.exit()).as(upload.err()).isZero();
        assertThat(upload.out()).contains("application/pdf").contains("2 pages");
        String id = upload.out().replaceAll("(?s).*uploaded ([0-9a-f-]{36}).*", "$1");

        Path copy = files.resolve("copy.pdf");
        Run download = finehero("documents", "download", id, copy.toString());
        assertThat(download.exit()).as(download.err()).isZero();
        assertThat(java.nio.file.Files.readAllBytes(copy)).isEqualTo(pdf);
    }

    @Test
    void importACsvAsATaskThenListTasksAndAlerts(@TempDir Path files) throws Exception {
        Path csv = files.resolve("city.csv");
        java.nio.file.Files.writeString(csv, String.join("\n",
                "citation_number,jurisdiction,violation_code,amount,currency,issue_time,due_time",
                "IMP-1,CLI-IMP,P1,45.50,USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z",
                "IMP-2,CLI-IMP,P1,12.00,USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z",
                "IMP-3,CLI-IMP,P1,not-money,USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z") + "\n");
        Run imported = finehero("fines", "import", csv.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("SUCCEEDED").contains("\"created\"");
        assertThat(finehero("fines", "list", "--jurisdiction", "CLI-IMP").out()).contains("IMP-1").contains("IMP-2").doesNotContain("IMP-3");

        Run tasks = finehero("tasks", "list", "--type", "fine_import");
        assertThat(tasks.exit()).isZero();
        assertThat(tasks.out()).contains("fine_import").contains("SUCCEEDED");
        assertThat(finehero("tasks", "submit", "no_such_type").exit()).as("unknown type").isEqualTo(4);
        Run alerts = finehero("alerts", "list", "--state", "firing");
        assertThat(alerts.exit()).as(alerts.err()).isZero();
        assertThat(alerts.out()).contains("STATE");
    }

    @Test
    void aReportIsWrittenAsATaskAndDownloadedAsAPdf(@TempDir Path files) throws Exception {
        Path csv = files.resolve("report.csv");
        java.nio.file.Files.writeString(csv, String.join("\n",
                "citation_number,jurisdiction,violation_code,amount,currency,issue_time,due_time",
                "REP-1,CLI-REP,R7,45.50,USD,2026-11-01T10:00:00Z,2099-12-01T10:00:00Z",
                "REP-2,CLI-REP,R7,12.00,USD,2026-11-02T10:00:00Z,2099-12-01T10:00:00Z") + "\n");
        assertThat(finehero("fines", "import", csv.toString()).exit()).isZero();
        Path pdf = files.resolve("report.pdf");
        Run report = finehero("fines", "report", "--jurisdiction", "CLI-REP", "--from", "2026-10-01", "--to", "2026-12-01",
                "-o", pdf.toString());
        assertThat(report.exit()).as(report.err()).isZero();
        assertThat(report.out()).contains("wrote the report");
        try (org.apache.pdfbox.pdmodel.PDDocument document = org.apache.pdfbox.Loader.loadPDF(pdf.toFile())) {
            assertThat(new org.apache.pdfbox.text.PDFTextStripper().getText(document)).contains("CLI-REP")
                    .containsPattern("R7\\s+USD\\s+2\\s+0\\s+57\\.50");
        }
        Run backwards = finehero("fines", "report", "--from", "2026-12-01", "--to", "2026-10-01", "-o", pdf.toString());
        assertThat(backwards.exit()).as("refused at submission").isNotZero();
        assertThat(backwards.err()).contains("end_time must be after start_time");
        assertThat(finehero("fines", "report", "--help").out()).contains("--jurisdiction").contains("report.pdf");
    }

    @Test
    void healthAndSearch() {
        DocumentsServiceGrpc.newBlockingStub(APP.channel()).createDocument(CreateDocumentRequest.newBuilder()
                .setDocument(Document.newBuilder().setTitle("Bus zones").setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                        .setJurisdiction("CLI").setContent("Vehicles in a bus zone will be towed.")).build());
        Run search = finehero("documents", "search", "towed", "--jurisdiction", "CLI");
        assertThat(search.exit()).isZero();
        assertThat(search.out()).contains("1 match(es)").contains("Bus zones").contains("[towed]");

        Run health = finehero("health");
        assertThat(health.exit()).isZero();
        assertThat(health.out()).contains("database").contains("UP");
        assertThat(finehero("--help").out()).contains("Examples:");
    }

    @Test
    void storedTextCannotDriveTheTerminal() {
        String escapes = "\u001b]0;owned\u0007\u001b[2J\u001b[1A\rPAID\u202e";
        Document stored = DocumentsServiceGrpc.newBlockingStub(APP.channel()).createDocument(CreateDocumentRequest.newBuilder()
                .setDocument(Document.newBuilder().setTitle("Rules\u202e (titles refuse C0 controls)").setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                        .setJurisdiction("CLI-ESC").setContent("Line one.\n\tIndented" + escapes)).build());

        Run get = finehero("documents", "get", stored.getId());
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out()).as("line feeds and tabs stay").contains("Line one.\n\tIndented")
                .doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r").doesNotContain("\u202e")
                .contains("\uFFFD]0;owned");
        Run search = finehero("documents", "search", "rules", "--jurisdiction", "CLI-ESC");
        assertThat(search.out()).contains("Rules").doesNotContain("\u202e");
        Run missing = finehero("documents", "get", "not-an-id\u001b[2J");
        assertThat(missing.exit()).isEqualTo(4);
        assertThat(missing.err()).as("error text echoes input, cleaned").doesNotContain("\u001b");
    }
}
