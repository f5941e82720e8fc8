package com.finehero.server.documents;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;

/**
 * Where documents live. Every method is one transaction. Deleted documents are invisible to every
 * read but {@link #restore}. Reads take the {@link Audience} they answer and return only what it may
 * read, deciding inside the query so pages stay full; a document it may not read is absent, as if it
 * did not exist. Implemented by {@link JdbcDocumentStore}, decorated by {@link CachedDocumentStore}.
 */
public interface DocumentStore {

    Document create(Document document);

    /** The current version ({@code version == 0}) or a past one, with content. */
    Optional<Document> find(String id, long version, Audience audience);

    /** Locks the document, applies {@code change} (a new version), keeps the old version. NOT_FOUND outside the audience. */
    Document change(String id, Audience audience, UnaryOperator<Document> change);

    /** Hides the document. NOT_FOUND when it is unknown or already deleted. */
    void delete(String id, Instant when);

    /** Brings a deleted document back. FAILED_PRECONDITION when it is not deleted. */
    Document restore(String id);

    /** Documents without content, newest first. */
    List<Document> list(Filter filter, Cursor after, int limit);

    /** Versions without content, newest first, below {@code beforeVersion} (0 = from the newest). */
    List<Document> versions(String id, long beforeVersion, int limit, Audience audience);

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

    /** What a list or search asks for, and for whom ({@code audience}); its text is part of cache keys. */
    record Filter(DocumentKind kind, String jurisdiction, List<String> tags, Audience audience) {
        public Filter {
            tags = List.copyOf(tags);
            Objects.requireNonNull(audience, "audience");
        }
    }

    record Cursor(Instant createTime, String id) { }

    /** One page of search results, best first, and how many documents match in all. */
    record SearchPage(List<Hit> hits, long totalMatches) { }

    /** A document without content, its score, and its stored excerpt (the opening of the content) for the snippet. */
    record Hit(Document document, double score, String excerpt) { }
}
