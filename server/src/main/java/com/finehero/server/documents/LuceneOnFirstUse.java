package com.finehero.server.documents;

import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.finehero.api.documents.v1.Document;
import io.grpc.Context;

/**
 * The embedded search index, opened (and brought in step with the live documents) by the first search or
 * document write that needs it rather than at start-up: a server that neither searches nor writes
 * documents never loads Lucene, which keeps its start-up shorter and its idle memory smaller (its ~800
 * classes and the index's buffers; docs/performance.md, "Start-up and idle memory"). The first search or
 * write pays the open once, as start-up did before.
 *
 * <p>The open runs outside the calling request's deadline. An open that fails (the index's directory
 * unreadable) is not remembered: a search fails with it, a write logs it as {@link LuceneSearch} logs a
 * failed index update (the database has committed), and the next use tries again; the open's catch-up
 * brings in whatever was written meanwhile.
 */
final class LuceneOnFirstUse implements DocumentSearch, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LuceneOnFirstUse.class.getName());

    private final Supplier<LuceneSearch> open;
    /** Held while opening and closing, so a use that arrives meanwhile waits for the one index. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile LuceneSearch index;
    private volatile boolean closed;

    LuceneOnFirstUse(Supplier<LuceneSearch> open) {
        this.open = open;
    }

    /** Whether a search or write has opened the index yet. */
    boolean isOpen() {
        return index != null;
    }

    /** Whether a use is waiting for an open (or close) under way. */
    boolean hasWaitingUses() {
        return lock.hasQueuedThreads();
    }

    @Override
    public DocumentStore.SearchPage search(SearchQuery query, DocumentStore.Filter filter, int offset, int limit) {
        return index().search(query, filter, offset, limit);
    }

    @Override
    public void written(Document document) {
        write("document " + document.getId() + " not indexed", opened -> opened.written(document));
    }

    @Override
    public void writtenAll(List<Document> documents) {
        write(documents.size() + " reindexed document(s) not indexed", opened -> opened.writtenAll(documents));
    }

    @Override
    public void deleted(String id) {
        write("document " + id + " not removed", opened -> opened.deleted(id));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (index != null) {
                index.close();
            }
        } finally {
            lock.unlock();
        }
    }

    private LuceneSearch index() {
        LuceneSearch current = index;
        if (current != null && !closed) {
            return current;
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the search index is closed (the server is stopping)");
            }
            if (index == null) {
                // not under the calling request's gRPC context: its deadline or cancellation would stop the
                // catch-up's reads, and every later use would start the open over
                Context previous = Context.ROOT.attach();
                try {
                    index = open.get();
                } finally {
                    Context.ROOT.detach(previous);
                }
            }
            return index;
        } finally {
            lock.unlock();
        }
    }

    /** Tells the index of a committed write; an index that cannot be opened is logged, not thrown (the next open catches up). */
    private void write(String lost, Consumer<LuceneSearch> change) {
        LuceneSearch opened;
        try {
            opened = index();
        } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
            // an error loading Lucene too: the write has committed, its caller must not see it fail
            LOG.log(System.Logger.Level.WARNING, "search index: " + lost, e);
            return;
        }
        change.accept(opened);
    }
}
