package com.finehero.server.documents;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.server.tasks.AbstractTaskHandler;
import com.finehero.server.tasks.PayloadSpec;
import com.finehero.server.tasks.TaskContext;
import com.finehero.server.tasks.TaskHandler;
import com.finehero.server.tasks.TaskType;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/**
 * {@code document_reindex}: recomputes the stored search terms of the given documents
 * ({@code document_ids}) or of all of them, in batches, with progress. Safe to run again.
 */
final class DocumentReindexHandler extends AbstractTaskHandler {

    static final TaskType TYPE = new TaskType("document_reindex",
            PayloadSpec.builder()
                    .strings("document_ids", false, "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", 36)
                    .build(),
            new TaskHandler.Defaults(3, Duration.ofSeconds(30), Duration.ofMinutes(10), 1),
            TaskType.Submitters.roles(Role.ROLE_ADMIN));
    static final int BATCH = 100;

    private final DocumentStore documents;

    DocumentReindexHandler(DocumentStore documents) {
        super(TYPE);
        this.documents = Objects.requireNonNull(documents, "documents");
    }

    @Override
    public Struct run(TaskContext context) {
        List<String> ids = context.payload().strings("document_ids").stream()
                .map(id -> id.toLowerCase(Locale.ROOT)).distinct().toList();
        if (ids.isEmpty()) {
            List<String> all = new ArrayList<>();
            List<String> page;
            do {
                page = documents.ids(all.isEmpty() ? "" : all.getLast(), 1000);
                all.addAll(page);
            } while (page.size() == 1000);
            ids = all;
        }
        int reindexed = 0;
        for (int from = 0; from < ids.size(); from += BATCH) {
            context.checkCancelled();
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
            reindexed += documents.reindex(batch);
            int done = from + batch.size();
            context.progress((int) (100L * done / ids.size()), done + " of " + ids.size() + " document(s) reindexed");
        }
        if (ids.isEmpty()) {
            context.progress(100, "no documents to reindex");
        }
        return Struct.newBuilder()
                .putFields("reindexed", number(reindexed))
                .putFields("missing", number(ids.size() - reindexed))
                .build();
    }

    private static Value number(long n) {
        return Value.newBuilder().setNumberValue(n).build();
    }
}
