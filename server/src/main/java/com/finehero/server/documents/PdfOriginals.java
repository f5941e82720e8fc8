package com.finehero.server.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

import com.finehero.api.documents.v1.Document;
import com.finehero.server.platform.blob.BlobStore;
import com.finehero.server.platform.security.Principal;

/**
 * How a PDF becomes a document, whoever brings it (an upload, a report a task writes): its text read
 * page by page within the PDF limits, its original kept in the blob store, then the row written.
 */
final class PdfOriginals {

    private final DocumentStore store;
    private final DocumentRules rules;
    private final BlobStore blobs;
    private final DocumentsConfig config;

    PdfOriginals(DocumentStore store, DocumentRules rules, BlobStore blobs, DocumentsConfig config) {
        this.store = Objects.requireNonNull(store, "store");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Stores the finished spool's PDF as a new document of {@code caller}'s from {@code draft} (title, kind, visibility...). */
    Document store(Document draft, Principal caller, Spool spool) {
        String sha256 = spool.finish();
        Document owned = rules.newDocument(draft, caller); // refuses what the caller may not write before reading it
        PdfText.Extracted extracted = PdfText.extract(spool.file(), config.pdf(), config.maxBytes());
        Document document = owned.toBuilder()
                .setContentType(DocumentRules.PDF)
                .setContent(extracted.noText() ? "" : extracted.text())
                .setSizeBytes(spool.size())
                .setChecksumSha256(sha256)
                .setPageCount(extracted.pageCount())
                .setNoText(extracted.noText())
                .build();
        try {
            // before the row: a committed document always finds its original
            blobs.put(sha256, spool.file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the original of a PDF in " + blobs, e);
        }
        return store.create(document);
    }
}
