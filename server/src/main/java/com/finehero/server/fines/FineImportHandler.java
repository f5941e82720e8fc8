package com.finehero.server.fines;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.server.documents.Audience;
import com.finehero.server.documents.DocumentStore;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.rpc.RequestRules;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.Payload;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code fine_import}: creates fines from a CSV (a stored document, {@code document_id}, or the
 * payload's {@code csv}) in the columns of {@link FineCsv}, header first. Each row is checked by the
 * same rules as CreateFine; valid rows are inserted in batches (one transaction each) and progress is
 * reported per batch; invalid rows are listed with their line number and reason. The import runs as its
 * submitter, so a row naming an owner the submitter may not write for is such an invalid row. A fine
 * whose citation number already exists in its jurisdiction is skipped, so running the same import
 * again creates nothing.
 */
final class FineImportHandler extends AbstractTaskHandler {

    static final int BATCH = 200;
    static final int MAX_REPORTED = 200;
    private static final String UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    static final TaskType TYPE = new TaskType("fine_import",
            PayloadSpec.builder()
                    .string("document_id", false, UUID, 36)
                    .string("csv", false, null, 4 * 1024 * 1024)
                    .build(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(30), Duration.ofMinutes(10), 2),
            TaskType.Submitters.roles(Role.ROLE_ADMIN, Role.ROLE_API_USER));

    private final FineStore fines;
    private final FineRules rules;
    private final DocumentStore documents;
    private final RequestRules requestRules;

    FineImportHandler(FineStore fines, FineRules rules, DocumentStore documents, RequestRules requestRules) {
        super(TYPE);
        this.requestRules = Objects.requireNonNull(requestRules, "requestRules");
        this.fines = Objects.requireNonNull(fines, "fines");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.documents = Objects.requireNonNull(documents, "documents");
    }

    @Override
    public void check(Payload payload) {
        if (payload.has("document_id") == payload.has("csv")) {
            throw FineHeroException.invalidField("payload", "give either document_id (a stored CSV) or csv (the text), not both or neither");
        }
        if (payload.has("document_id")) {
            String id = payload.string("document_id", "").toLowerCase(Locale.ROOT);
            // only a CSV the submitter may read: another owner's private document is as absent as a deleted one
            if (documents.find(id, 0, Audience.current()).isEmpty()) {
                throw FineHeroException.invalidField("payload.document_id", "document " + id + " does not exist or was deleted");
            }
        }
    }

    @Override
    public Struct run(TaskContext context) {
        Payload payload = context.payload();
        String text = payload.has("csv") ? payload.string("csv", "") : documents
                .find(payload.string("document_id", "").toLowerCase(Locale.ROOT), 0, Audience.current())
                .map(Document::getContent)
                .orElseThrow(() -> FineHeroException.failedPrecondition("DOCUMENT_GONE",
                        "document " + payload.string("document_id", "") + " was deleted before the import ran"));
        List<List<String>> rows = Csv.parse(text);
        if (rows.isEmpty()) {
            throw FineHeroException.failedPrecondition("EMPTY_CSV", "the CSV is empty; its first line must be a header");
        }
        List<String> header = rows.getFirst().stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        List<String> missing = FineCsv.REQUIRED.stream().filter(c -> !header.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw FineHeroException.failedPrecondition("BAD_CSV_HEADER", "the CSV header lacks column(s) " + String.join(", ", missing)
                    + " (columns: " + String.join(", ", FineCsv.COLUMNS) + ")");
        }
        int created = 0;
        int existing = 0;
        int dataRows = 0;
        List<Value> invalid = new ArrayList<>();
        int invalidCount = 0;
        List<Fine> batch = new ArrayList<>();
        for (int line = 2; line <= rows.size(); line++) {
            List<String> fields = rows.get(line - 1);
            if (fields.size() == 1 && fields.getFirst().isBlank()) {
                continue;
            }
            dataRows++;
            String reason = null;
            Fine fine = null;
            if (fields.size() != header.size()) {
                reason = "has " + fields.size() + " fields, the header has " + header.size();
            } else {
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    row.put(header.get(i), fields.get(i));
                }
                try {
                    fine = FineCsv.fine(row);
                    reason = violations(fine);
                    if (reason == null) {
                        reason = outOfReach(fine);
                    }
                } catch (IllegalArgumentException e) {
                    reason = e.getMessage();
                }
            }
            if (reason != null) {
                invalidCount++;
                if (invalid.size() < MAX_REPORTED) {
                    invalid.add(Value.newBuilder().setStructValue(Struct.newBuilder()
                            .putFields("row", number(line))
                            .putFields("reason", Value.newBuilder().setStringValue(reason).build())).build());
                }
            } else {
                batch.add(rules.newFine(fine));
            }
            if (batch.size() == BATCH || (line == rows.size() && !batch.isEmpty())) {
                context.checkCancelled();
                int inserted = count(fines.createAbsent(batch));
                created += inserted;
                existing += batch.size() - inserted;
                batch.clear();
                context.progress((int) (100L * line / rows.size()), "row " + line + " of " + rows.size() + ": "
                        + created + " created, " + existing + " already present, " + invalidCount + " invalid");
            }
        }
        if (!batch.isEmpty()) {
            int inserted = count(fines.createAbsent(batch));
            created += inserted;
            existing += batch.size() - inserted;
        }
        context.progress(100, created + " created, " + existing + " already present, " + invalidCount + " invalid");
        return Struct.newBuilder()
                .putFields("rows", number(dataRows))
                .putFields("created", number(created))
                .putFields("already_present", number(existing))
                .putFields("invalid_count", number(invalidCount))
                .putFields("invalid", Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(invalid)).build())
                .build();
    }

    /**
     * Why the submitter, whom the import runs as, may not write this fine, or null when they may: a
     * caller who sees only their own fines writes only those, a scoped one only within its scope.
     */
    static String outOfReach(Fine fine) {
        Principal submitter = Principal.current();
        if (!submitter.scope().reaches(fine.getJurisdiction())) {
            return "jurisdiction: " + fine.getJurisdiction() + " (expected: " + submitter.scope()
                    + " or a jurisdiction below it, the submitter's jurisdiction scope)";
        }
        if (submitter.seesEveryOwner() || fine.getOwnerId().equals(submitter.subject())) {
            return null;
        }
        return "owner_id: " + fine.getOwnerId() + " (expected: " + submitter.subject() + ", the only owner the submitter may write for)";
    }

    /** The contract's rules for CreateFine (the same the API applies), or null when the fine passes. */
    private String violations(Fine fine) {
        List<FineHeroException.FieldViolation> violations = requestRules.violations(CreateFineRequest.newBuilder().setFine(fine).build());
        return violations.isEmpty() ? null : RequestRules.summary(violations);
    }

    private static int count(boolean[] inserted) {
        int n = 0;
        for (boolean b : inserted) {
            n += b ? 1 : 0;
        }
        return n;
    }

    static Value number(long n) {
        return Value.newBuilder().setNumberValue(n).build();
    }
}
