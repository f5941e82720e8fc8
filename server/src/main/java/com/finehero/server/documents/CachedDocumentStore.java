package com.finehero.server.documents;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.finehero.api.documents.v1.Document;
import com.finehero.server.platform.cache.CacheRegion;
import com.finehero.server.platform.cache.PageCache;
import com.finehero.server.platform.cache.ProtoRecords;

/**
 * Serves current documents from the {@code documents} cache region and keeps the search and list page caches honest: every write moves
 * them to a new generation. The region holds documents whoever may read them, so every read from it is checked against the caller's
 * {@link Audience} before it is returned; page caches are keyed by the audience ({@link DocumentStore.Filter}).
 */
final class CachedDocumentStore implements DocumentStore {

    private final DocumentStore store;
    private final CacheRegion cache;
    private final List<PageCache> dependentPages;
    private final ProtoRecords<Document> records;

    public CachedDocumentStore(DocumentStore store, CacheRegion cache, List<PageCache> dependentPages) {
        this.store = Objects.requireNonNull(store, "store");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.dependentPages = List.copyOf(dependentPages);
        this.records = new ProtoRecords<>(cache, Document.parser(), Document::getVersion);
    }

    @Override
    public Document create(Document document) {
        Document created = store.create(document);
        remember(created.getId(), created);
        dependentPages.forEach(PageCache::invalidateAll);
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
        Document changed = store.change(id, audience, change);
        remember(id, changed);
        dependentPages.forEach(PageCache::invalidateAll);
        return changed;
    }

    @Override
    public void delete(String id, Instant when) {
        store.delete(id, when);
        cache.markDeleted(id);
        dependentPages.forEach(PageCache::invalidateAll);
    }

    @Override
    public Document restore(String id) {
        Document restored = store.restore(id);
        cache.invalidate(id); // drop the tombstone; the next read loads the restored document
        dependentPages.forEach(PageCache::invalidateAll);
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
        dependentPages.forEach(PageCache::invalidateAll); // search results depend on the terms
        return rewritten;
    }

    @Override
    public Set<String> existing(Collection<String> ids) {
        return store.existing(ids);
    }

    private void remember(String key, Document document) {
        records.remember(key, document);
    }
}
