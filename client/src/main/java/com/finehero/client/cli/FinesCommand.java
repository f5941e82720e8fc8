package com.finehero.client.cli;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.UUID;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.ContestFineRequest;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.api.fines.v1.ListFinesResponse;
import com.finehero.api.fines.v1.PayFineRequest;
import com.finehero.api.fines.v1.PayFineResponse;
import com.finehero.client.FineHeroClient;
import com.google.protobuf.Timestamp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(mixinStandardHelpOptions = true, name = "fines", description = "List, show, create, contest and pay fines.",
        subcommands = {FinesCommand.Import.class, FinesCommand.Report.class, FinesCommand.List.class, FinesCommand.Get.class, FinesCommand.Create.class,
                FinesCommand.Contest.class, FinesCommand.Pay.class})
final class FinesCommand extends FineHeroCli.Sub {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 2;
    }

    static void printFines(java.io.PrintWriter out, java.util.List<Fine> fines) {
        Table table = new Table("ID", "CITATION", "JURISDICTION", "STATUS", "AMOUNT", "DUE", "PLATE");
        for (Fine fine : fines) {
            table.row(fine.getId(), fine.getCitationNumber(), fine.getJurisdiction(),
                    fine.getStatus().name().substring("FINE_STATUS_".length()), money(fine.getAmount()),
                    Instant.ofEpochSecond(fine.getDueTime().getSeconds()), fine.getVehiclePlate());
        }
        table.print(out);
    }

    /** One fine: JSON with --output json, else a one-row table. */
    static void show(FineHeroCli.Sub command, Fine fine) {
        if (!command.root().printedAsJson(command.out(), fine)) {
            printFines(command.out(), java.util.List.of(fine));
        }
    }

    static String money(Money money) {
        return BigDecimal.valueOf(money.getAmountMinor(), 2).toPlainString() + " " + money.getCurrencyCode();
    }

    static Money money(String amount, String currency) {
        return Money.newBuilder().setCurrencyCode(currency)
                .setAmountMinor(new BigDecimal(amount).movePointRight(2).longValueExact()).build();
    }

    static Timestamp time(String iso) {
        Instant instant = Instant.parse(iso);
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List fines, newest first.")
    static final class List extends FineHeroCli.Sub {
        @Option(names = "--status", description = "FINE_STATUS_OPEN, ... (repeatable)") java.util.List<FineStatus> statuses = new ArrayList<>();
        @Option(names = "--jurisdiction") String jurisdiction = "";
        @Option(names = "--plate") String plate = "";
        @Option(names = "--page-size", defaultValue = "20") int pageSize;
        @Option(names = "--page-token", defaultValue = "") String pageToken;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                ListFinesResponse page = client.fines().listFines(ListFinesRequest.newBuilder()
                        .addAllStatuses(statuses).setJurisdiction(jurisdiction).setVehiclePlate(plate)
                        .setPageSize(pageSize).setPageToken(pageToken).build());
                if (!root().printedAsJson(out(), page)) {
                    printFines(out(), page.getFinesList());
                    if (!page.getNextPageToken().isEmpty()) {
                        out().println("next page: --page-token " + page.getNextPageToken());
                    }
                }
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "get", description = "Show one fine.")
    static final class Get extends FineHeroCli.Sub {
        @Parameters(paramLabel = "FINE_ID") String id;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                Fine fine = client.fines().getFine(GetFineRequest.newBuilder().setFineId(id).build());
                show(this, fine);
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Record a new fine.")
    static final class Create extends FineHeroCli.Sub {
        @Option(names = "--citation", required = true) String citation;
        @Option(names = "--jurisdiction", required = true) String jurisdiction;
        @Option(names = "--violation", required = true, description = "Violation code") String violation;
        @Option(names = "--description", defaultValue = "") String description;
        @Option(names = "--amount", required = true, description = "e.g. 45.50") String amount;
        @Option(names = "--currency", defaultValue = "USD") String currency;
        @Option(names = "--issued", required = true, description = "RFC 3339, e.g. 2026-11-20T10:00:00Z") String issued;
        @Option(names = "--due", required = true, description = "RFC 3339") String due;
        @Option(names = "--plate", defaultValue = "") String plate;

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                Fine fine = client.fines().createFine(CreateFineRequest.newBuilder().setFine(Fine.newBuilder()
                        .setCitationNumber(citation).setJurisdiction(jurisdiction).setViolationCode(violation)
                        .setViolationDescription(description).setAmount(money(amount, currency))
                        .setIssueTime(time(issued)).setDueTime(time(due)).setVehiclePlate(plate)).build());
                show(this, fine);
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "contest", description = "Contest an open fine.")
    static final class Contest extends FineHeroCli.Sub {
        @Parameters(paramLabel = "FINE_ID") String id;
        @Option(names = "--reason", required = true) String reason;
        @Option(names = "--evidence", description = "URI (repeatable)") java.util.List<String> evidence = new ArrayList<>();
        @Option(names = "--cite", description = "Document id (repeatable)") java.util.List<String> cited = new ArrayList<>();

        @Override
        public Integer call() {
            try (FineHeroClient client = root().client()) {
                Fine fine = client.fines().contestFine(ContestFineRequest.newBuilder().setFineId(id).setReason(reason)
                        .addAllEvidenceUris(evidence).addAllCitedDocumentIds(cited).build());
                show(this, fine);
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "pay", description = "Pay a fine in full. Repeat with the same --key to retry safely.")
    static final class Pay extends FineHeroCli.Sub {
        @Parameters(paramLabel = "FINE_ID") String id;
        @Option(names = "--amount", required = true) String amount;
        @Option(names = "--currency", defaultValue = "USD") String currency;
        @Option(names = "--key", description = "Idempotency key (default: a new one, printed)") String key;

        @Override
        public Integer call() {
            String idempotencyKey = key == null ? "cli-" + UUID.randomUUID() : key;
            try (FineHeroClient client = root().client()) {
                PayFineResponse paid = client.fines().payFine(PayFineRequest.newBuilder().setFineId(id)
                        .setIdempotencyKey(idempotencyKey).setAmount(money(amount, currency)).build());
                if (!root().printedAsJson(out(), paid)) {
                    out().println("payment " + paid.getPayment().getId() + " (key " + idempotencyKey + ")"
                            + (paid.getReplayed() ? ", already recorded" : ""));
                    printFines(out(), java.util.List.of(paid.getFine()));
                }
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "import", description = "Import fines from a CSV file (a fine_import task): valid rows are created, "
            + "invalid ones listed with their line and reason; importing the same file again creates nothing.")
    static final class Import extends FineHeroCli.Sub {
        @picocli.CommandLine.Parameters(paramLabel = "CSV_FILE") java.nio.file.Path file;

        @Override
        public Integer call() throws Exception {
            String csv = java.nio.file.Files.readString(file);
            try (FineHeroClient client = root().client()) {
                var task = client.tasks().submitTask(
                        com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder().setType("fine_import")
                                .setPayload(com.google.protobuf.Struct.newBuilder().putFields("csv",
                                        com.google.protobuf.Value.newBuilder().setStringValue(csv).build()))
                                .build());
                return TasksCommand.watch(this, client, task.getId());
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "report", description = "Write a PDF report of the fines issued in a range (a "
            + "fines_report task, admins and analysts): issued, paid and outstanding per month, top violation codes, contest outcomes "
            + "and a chart. Waits with a progress bar, then downloads the report (kept as a private document) to --out.",
            footer = {"", "Example:", "  finehero fines report --jurisdiction US-CA-SF --from 2026-01-01 --to 2026-12-01 -o report.pdf"})
    static final class Report extends FineHeroCli.Sub {
        @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "First day (UTC) of the range") String from;
        @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "Day (UTC) after the range") String to;
        @Option(names = "--jurisdiction", description = "Only this jurisdiction and those below it (default: all you may read)") String jurisdiction;
        @Option(names = "--bucket", defaultValue = "month", description = "day, week or month (default: ${DEFAULT-VALUE})") String bucket;
        @Option(names = "--title", description = "The report's title") String title;
        @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Where to write the PDF") java.nio.file.Path file;

        @Override
        public Integer call() {
            com.google.protobuf.Struct.Builder payload = com.google.protobuf.Struct.newBuilder();
            java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
            fields.put("from", from);
            fields.put("to", to);
            fields.put("bucket", bucket);
            fields.put("jurisdiction", jurisdiction);
            fields.put("title", title);
            fields.forEach((name, value) -> {
                if (value != null) {
                    payload.putFields(name, com.google.protobuf.Value.newBuilder().setStringValue(value).build());
                }
            });
            try (FineHeroClient client = root().client()) {
                var task = client.tasks().submitTask(com.finehero.api.tasks.v1.SubmitTaskRequest.newBuilder()
                        .setType("fines_report").setPayload(payload).build());
                ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), "report", root().output == FineHeroCli.Output.table);
                com.finehero.api.tasks.v1.Task last;
                try {
                    last = client.watchTask(task.getId(), java.time.Duration.ofHours(1), update -> bar.update(update.getProgressPercent(), 100,
                            update.getProgressMessage()));
                } finally {
                    bar.finish();
                }
                if (last.getState() != com.finehero.api.tasks.v1.TaskState.TASK_STATE_SUCCEEDED) {
                    spec.commandLine().getErr().println("the report task " + last.getId() + " ended " + last.getState().name().replace("TASK_STATE_", "")
                            + (last.getLastError().isEmpty() ? "" : ": " + last.getLastError()));
                    return 1;
                }
                String documentId = last.getResult().getFieldsOrThrow("document_id").getStringValue();
                long[] written = {0};
                client.downloadDocument(com.finehero.api.documents.v1.DownloadDocumentRequest.newBuilder().setDocumentId(documentId).build(),
                        file, (done, total) -> written[0] = done);
                out().println("wrote the report (document " + documentId + ", " + written[0] + " bytes) to " + file);
                return 0;
            }
        }
    }
}
