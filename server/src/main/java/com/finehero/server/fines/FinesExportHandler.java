package com.finehero.server.fines;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.FineStatsGroup;
import com.finehero.api.fines.v1.FineStatus;
import com.finehero.server.documents.Audience;
import com.finehero.server.documents.DocumentRules;
import com.finehero.server.documents.DocumentStore;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.Payload;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code fines_export}: writes the fines matching a filter ({@code jurisdiction}, {@code statuses}
 * such as "OPEN") as CSV (the columns of {@link FineCsv}, which fine_import reads back) into a new
 * document tagged {@code fines-export}, PRIVATE to the task's submitter. Run again, it reuses the
 * document it wrote before.
 */
final class FinesExportHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("fines_export",
            PayloadSpec.builder()
                    .string("jurisdiction", false, "^[A-Za-z0-9][A-Za-z0-9_.-]*$", 64)
                    .strings("statuses", false, "^[A-Za-z_]+$", 32)
                    .string("title", false, "^[^\\x00-\\x1F\\x7F]+$", 200)
                    .build(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(30), Duration.ofMinutes(10), 2),
            TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_ANALYST));
    static final int PAGE = 500;

    private final FineStore fines;
    private final DocumentStore documents;
    private final DocumentRules documentRules;

    FinesExportHandler(FineStore fines, DocumentStore documents, DocumentRules documentRules) {
        super(TYPE);
        this.fines = Objects.requireNonNull(fines, "fines");
        this.documents = Objects.requireNonNull(documents, "documents");
        this.documentRules = Objects.requireNonNull(documentRules, "documentRules");
    }

    @Override
    public void check(Payload payload) {
        statuses(payload);
    }

    private static List<FineStatus> statuses(Payload payload) {
        List<FineStatus> statuses = new ArrayList<>();
        for (String name : payload.strings("statuses")) {
            String full = "FINE_STATUS_" + name.toUpperCase(Locale.ROOT).replaceFirst("^FINE_STATUS_", "");
            try {
                FineStatus status = FineStatus.valueOf(full);
                if (status == FineStatus.FINE_STATUS_UNSPECIFIED) {
                    throw new IllegalArgumentException();
                }
                statuses.add(status);
            } catch (IllegalArgumentException e) {
                throw FineHeroException.invalidField("payload.statuses", "'" + name + "' is not a fine status (OPEN, CONTESTED, "
                        + "DISMISSED, UPHELD, PAID, OVERDUE)");
            }
        }
        return statuses;
    }

    @Override
    public Struct run(TaskContext context) {
        Payload payload = context.payload();
        List<FineStatus> statuses = statuses(payload);
        String jurisdiction = payload.string("jurisdiction", "").toUpperCase(Locale.ROOT);
        long expected = fines.stats(jurisdiction, Principal.current().scope()).stream()
                .filter(g -> statuses.isEmpty() || statuses.contains(g.getStatus()))
                .mapToLong(FineStatsGroup::getCount).sum();
        StringBuilder csv = new StringBuilder(Csv.line(FineCsv.COLUMNS));
        FineStore.Cursor after = null;
        long rows = 0;
        List<Fine> page;
        do {
            context.checkCancelled();
            page = fines.list(new FineStore.FineQuery(statuses, jurisdiction, null, null, "", "",
                    Principal.current().scope(), after), PAGE);
            for (Fine fine : page) {
                csv.append(Csv.line(FineCsv.row(fine)));
            }
            rows += page.size();
            if (!page.isEmpty()) {
                Fine last = page.getLast();
                after = new FineStore.Cursor(com.finehero.server.platform.db.Times.toInstant(last.getCreateTime()), last.getId());
            }
            long bytes = csv.length();
            if (bytes > documentRules.maxContentBytes()) {
                throw FineHeroException.failedPrecondition("EXPORT_TOO_LARGE", "the export passed "
                        + documentRules.maxContentBytes() + " bytes (finehero.documents.max-bytes) after " + rows
                        + " fines; narrow the filter");
            }
            context.progress(expected == 0 ? 50 : (int) Math.min(95, 95 * rows / expected), rows + " fine(s) written");
        } while (page.size() == PAGE);
        String content = csv.toString();
        if (content.getBytes(StandardCharsets.UTF_8).length > documentRules.maxContentBytes()) {
            throw FineHeroException.failedPrecondition("EXPORT_TOO_LARGE", "the export is larger than "
                    + documentRules.maxContentBytes() + " bytes (finehero.documents.max-bytes); narrow the filter");
        }
        String runTag = "export-" + context.taskId().replace("-", "");
        String title = payload.string("title", "Fines export " + (jurisdiction.isEmpty() ? "(all jurisdictions)" : jurisdiction)
                + (statuses.isEmpty() ? "" : " " + String.join(",", statuses.stream().map(s -> s.name().substring(12)).toList())));
        Document.Builder draft = Document.newBuilder()
                .setTitle(title)
                .setKind(DocumentKind.DOCUMENT_KIND_OTHER)
                .addTags("fines-export")
                .addTags(runTag)
                .setContent(content)
                .setContentType("text/plain")
                .setAuthor("task " + context.taskId())
                .setOwner(Principal.current().subject())
                .setVisibility(Visibility.VISIBILITY_PRIVATE);
        if (!jurisdiction.isEmpty()) {
            draft.setJurisdiction(jurisdiction);
        } else if (Principal.current().scope().limited()) {
            // what a scoped submitter exported lies within their scope, and so does the document
            draft.setJurisdiction(Principal.current().scope().code());
        }
        // a run that wrote its document and then lost its lease finds it again instead of writing another
        List<Document> earlier = documents.list(new DocumentStore.Filter(DocumentKind.DOCUMENT_KIND_OTHER, "", List.of(runTag),
                Audience.current()), null, 1);
        Document document = earlier.isEmpty()
                ? documents.create(documentRules.newDocument(draft.build()))
                : earlier.getFirst();
        context.progress(100, rows + " fine(s) exported to document " + document.getId());
        return Struct.newBuilder()
                .putFields("document_id", Value.newBuilder().setStringValue(document.getId()).build())
                .putFields("rows", FineImportHandler.number(rows))
                .build();
    }
}
