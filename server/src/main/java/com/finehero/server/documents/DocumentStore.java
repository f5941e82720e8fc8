package com.finehero.server.documents;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;

/**
 * Where documents live. Every method is one transaction. Deleted documents are invisible to every
 * read but {@link #restore}. Implemented by {@link JdbcDocumentStore}, decorated by {@link CachedDocumentStore}.
 */
public interface DocumentStore {

    Document create(Document document);

    /** The current version ({@code version == 0}) or a past one, with content. */
    Optional<Document> find(String id, long version);

    /** Locks the document, applies {@code change} (a new version), keeps the old version. */
    Document change(String id, UnaryOperator<Document> change);

    /** Hides the document. NOT_FOUND when it is unknown or already deleted. */
    void delete(String id, Instant when);

    /** Brings a deleted document back. FAILED_PRECONDITION when it is not deleted. */
    Document restore(String id);

    /** Documents without content, newest first. */
    List<Document> list(Filter filter, Cursor after, int limit);

    /** Versions without content, newest first, below {@code beforeVersion} (0 = from the newest). */
    List<Document> versions(String id, long beforeVersion, int limit);

    SearchPage search(SearchQuery query, Filter filter, int offset, int limit);

    /** Ids of live documents after {@code afterId} (empty = from the start), in id order. */
    List<String> ids(String afterId, int limit);

    /**
     * Recomputes the stored search terms of these documents from their current title and content
     * (after a change to how text is split into terms); returns how many were live and rewritten.
     */
    int reindex(List<String> ids);

    /** Which of these ids are documents that exist and are not deleted. */
    Set<String> existing(Collection<String> ids);

    record Filter(DocumentKind kind, String jurisdiction, List<String> tags) {
        public Filter {
            tags = List.copyOf(tags);
        }
    }

    record Cursor(Instant createTime, String id) { }

    /** One page of search results: documents with content (for snippets) and their scores. */
    record SearchPage(List<Hit> hits, long totalMatches) { }

    record Hit(Document document, double score) { }
}
