package com.finehero.server.documents;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

import com.finehero.api.documents.v1.Document;
import com.finehero.server.platform.blob.BlobStore;
import com.finehero.server.platform.cache.Caches;
import com.finehero.server.platform.cache.PageCache;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.tasks.TaskHandler;
import io.grpc.BindableService;

/**
 * The documents feature as the wiring and the other features see it: its store and rules (the seam
 * fines uses), its gRPC service and its task handlers. Everything else in this package stays inside it.
 */
public final class Documents implements AutoCloseable {

    private final DocumentStore store;
    private final DocumentRules rules;
    private final PageCache searchPages;
    private final PageCache listPages;
    private final AutoCloseable index;
    private final BlobStore blobs;
    private final DocumentsConfig config;

    private Documents(DocumentStore store, DocumentRules rules, PageCache searchPages, PageCache listPages, AutoCloseable index,
                      BlobStore blobs, DocumentsConfig config) {
        this.store = store;
        this.blobs = blobs;
        this.config = config;
        this.index = index;
        this.rules = rules;
        this.searchPages = searchPages;
        this.listPages = listPages;
    }

    /**
     * The documents store on {@code database}, cached in the {@code documents} region; a write also drops
     * the cached {@code search} pages it can change and every cached {@code document-lists} page. On H2 the first search or document
     * write opens (and brings in step) the Lucene index beside the database's files, or in memory; close it at shutdown.
     *
     * @param config  limits of content, uploads and PDFs, and the longest a caller's list or search may run
     * @param blobs   where uploaded originals (PDFs) are kept; the caller closes it
     */
    public static Documents create(Database database, Caches caches, Clock clock, DocumentsConfig config, BlobStore blobs) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(caches, "caches");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(blobs, "blobs");
        DocumentRules rules = new DocumentRules(Objects.requireNonNull(clock, "clock"), config.maxBytes());
        PageCache searchPages = caches.pages("search");
        PageCache listPages = caches.pages("document-lists");
        BoundedReads reads = new BoundedReads(database, config.queryTimeout());
        DocumentSearch search = switch (database.dialect()) {
            case Dialect.PostgreSql() -> new PostgresSearch(reads);
            // an in-memory database gets an in-memory index; a file database its index beside its files
            case Dialect.H2() -> new LuceneOnFirstUse(() -> LuceneSearch.open(database, reads,
                    database.embeddedFiles().map(files -> files.resolveSibling(files.getFileName() + ".search")).orElse(null)));
        };
        DocumentStore store = new CachedDocumentStore(new JdbcDocumentStore(database, reads, search),
                caches.region("documents"), searchPages, listPages);
        return new Documents(store, rules, searchPages, listPages, search instanceof AutoCloseable closeable ? closeable : () -> { },
                blobs, config);
    }

    /** Closes the embedded search index (committing it); nothing on PostgreSQL. */
    @Override
    public void close() throws Exception {
        index.close();
    }

    /** The store other features read and write documents through (fines cite and produce documents). */
    public DocumentStore store() {
        return store;
    }

    /** The decisions about documents other features must follow when they write one. */
    public DocumentRules rules() {
        return rules;
    }

    /** The {@code finehero.documents.v1.DocumentsService} implementation. */
    public BindableService service() {
        return new DocumentsGrpcService(store, rules, searchPages, listPages, blobs, config);
    }

    /** Writes a document's PDF content, for {@link #storePdf}. */
    @FunctionalInterface
    public interface PdfContent {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Stores a PDF FineHero made (a report) as a new document of {@code owner}'s, exactly as an upload of
     * it would be stored: text extracted per page, original in the blob store, the same limits and rules.
     */
    public Document storePdf(Document draft,
                                                          Principal owner, PdfContent content) {
        try (Spool spool = Spool.create()) {
            try (OutputStream out = spool.output()) {
                content.writeTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a PDF's temporary file", e);
            }
            return new PdfOriginals(store, rules, blobs, config).store(draft, owner, spool);
        }
    }

    /** The handlers of the documents task types, to register with the task engine. */
    public List<TaskHandler> taskHandlers() {
        return DocumentTasks.handlers(store);
    }
}
