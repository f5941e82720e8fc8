package com.finehero.server.documents;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import com.finehero.api.documents.v1.Document;
import com.finehero.server.platform.cache.CacheRegion;
import com.finehero.server.platform.cache.PageCache;
import com.finehero.server.platform.cache.ProtoRecords;

/**
 * Serves current documents from the {@code documents} cache region and keeps the search and list page caches honest. A write moves
 * the cached search pages it can change to a new generation ({@link SearchDependencies}: the terms and jurisdiction of the document
 * before and after), and every list page. The region holds documents whoever may read them, so every read from it is checked against
 * the caller's {@link Audience} before it is returned; page caches are keyed by the audience ({@link DocumentStore.Filter}).
 */
final class CachedDocumentStore implements DocumentStore {

    private final DocumentStore store;
    private final CacheRegion cache;
    private final PageCache searchPages;
    private final PageCache listPages;
    private final ProtoRecords<Document> records;

    public CachedDocumentStore(DocumentStore store, CacheRegion cache, PageCache searchPages, PageCache listPages) {
        this.store = Objects.requireNonNull(store, "store");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.searchPages = Objects.requireNonNull(searchPages, "searchPages");
        this.listPages = Objects.requireNonNull(listPages, "listPages");
        this.records = new ProtoRecords<>(cache, Document.parser(), Document::getVersion);
    }

    @Override
    public Document create(Document document) {
        Document created = store.create(document);
        remember(created.getId(), created);
        written(List.of(created));
        return created;
    }

    @Override
    public Optional<Document> find(String id, long version, Audience audience) {
        if (version != 0) {
            return store.find(id, version, audience); // past versions are rare reads; caching them would outlive a delete
        }
        return records.find(id, () -> store.find(id, 0, Audience.EVERY_OWNER)).filter(audience::mayRead);
    }

    @Override
    public Document change(String id, Audience audience, UnaryOperator<Document> change) {
        AtomicReference<Document> before = new AtomicReference<>();
        Document changed = store.change(id, audience, current -> {
            before.set(current);
            return change.apply(current);
        });
        remember(id, changed);
        written(List.of(before.get(), changed));
        return changed;
    }

    @Override
    public void delete(String id, Instant when) {
        Optional<Document> current = find(id, 0, Audience.EVERY_OWNER);
        store.delete(id, when);
        cache.markDeleted(id);
        current.ifPresentOrElse(document -> written(List.of(document)), this::writtenUnknown);
    }

    @Override
    public Document restore(String id) {
        Document restored = store.restore(id);
        cache.invalidate(id); // drop the tombstone; the next read loads the restored document
        written(List.of(restored));
        return restored;
    }

    @Override
    public List<Document> list(Filter filter, Cursor after, int limit) {
        return store.list(filter, after, limit);
    }

    @Override
    public List<Document> versions(String id, long beforeVersion, int limit, Audience audience) {
        return store.versions(id, beforeVersion, limit, audience);
    }

    @Override
    public SearchPage search(SearchQuery query, Filter filter, int offset, int limit) {
        return store.search(query, filter, offset, limit);
    }

    @Override
    public List<String> ids(String afterId, int limit) {
        return store.ids(afterId, limit);
    }

    @Override
    public int reindex(List<String> ids) {
        int rewritten = store.reindex(ids);
        writtenUnknown(); // search results depend on the terms
        return rewritten;
    }

    @Override
    public Set<String> existing(Collection<String> ids) {
        return store.existing(ids);
    }

    private void remember(String key, Document document) {
        records.remember(key, document);
    }

    /** After these versions of documents were written (committed): the search pages they can change, and every list page. */
    private void written(List<Document> versions) {
        SearchDependencies.touched(versions).ifPresentOrElse(searchPages::invalidate, searchPages::invalidateAll);
        listPages.invalidateAll();
    }

    /** After a write whose documents are not known here. */
    private void writtenUnknown() {
        searchPages.invalidateAll();
        listPages.invalidateAll();
    }
}
