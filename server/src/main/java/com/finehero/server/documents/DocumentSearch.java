package com.finehero.server.documents;

import java.util.List;

import com.finehero.api.documents.v1.Document;

/**
 * Finds the documents that contain every clause of a query among what the filter's audience may read,
 * best first: a page of them (without content, each with its stored excerpt for the snippet) and how
 * many match in all. The audience, kind, jurisdiction and tag conditions are the store's, applied
 * before ranking and paging so pages stay full. Chosen once per database by {@link Documents}:
 * {@link PostgresSearch} ranks inside PostgreSQL from its GIN index; {@link LuceneSearch} keeps its own
 * index beside the embedded database, told of every write once it has committed.
 */
interface DocumentSearch {

    DocumentStore.SearchPage search(SearchQuery query, DocumentStore.Filter filter, int offset, int limit);

    /** A document was created, changed, restored or reindexed, and that has committed; {@code document} has its content. */
    default void written(Document document) {
    }

    /** Documents were written together (a reindex batch), and that has committed: {@link #written} for each. */
    default void writtenAll(List<Document> documents) {
        documents.forEach(this::written);
    }

    /** A document was deleted, and that has committed. */
    default void deleted(String id) {
    }
}
