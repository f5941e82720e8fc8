package com.finehero.server.documents;

/**
 * Finds the documents that contain every clause of a query among what the filter's audience may read,
 * best first: a page of them (without content, each with its stored excerpt for the snippet) and how
 * many match in all. The audience, kind, jurisdiction and tag conditions are the store's, applied
 * before ranking and paging so pages stay full. Chosen once per database by {@link Documents}:
 * {@link PostgresSearch} ranks inside PostgreSQL from its GIN index; {@link TermsSearch} runs portable
 * SQL over the stored terms on the embedded database.
 */
interface DocumentSearch {

    DocumentStore.SearchPage search(SearchQuery query, DocumentStore.Filter filter, int offset, int limit);
}
