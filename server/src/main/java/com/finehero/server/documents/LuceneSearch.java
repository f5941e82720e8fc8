package com.finehero.server.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.security.JurisdictionScope;
import io.grpc.Context;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Search on the embedded database with Apache Lucene: an index of every live document's title and
 * content terms ({@link TextTerms}, the same terms PostgreSQL and the stored columns hold) and of the
 * fields the audience and filters test (visibility, owner, every jurisdiction the document's lies
 * within, kind, jurisdiction, tags), so matching, counting and ranking never read the database; only the
 * page's summaries and excerpts come from it, under the same SQL conditions as every other read, so a
 * document the index has not yet caught up with is never shown.
 *
 * <p>The database is the truth: writes reach the index once their transaction commits
 * ({@link #written}, {@link #deleted}), {@link #open} brings an index that is missing, of an older
 * format or behind (a crash between a commit and the index's own) in step with the live documents,
 * and {@code document_reindex} rewrites the documents it is given.
 *
 * <p>Scores are BM25 ({@link #K1}, {@link #B}) summed over the clauses, a title match weighing
 * {@link #TITLE_BOOST} times a content match; prefixes score a constant per field. They differ from
 * PostgreSQL's and are comparable within one search only.
 */
final class LuceneSearch implements DocumentSearch, AutoCloseable {

    /** Raised whenever what is indexed, or how, changes: an index of another format is rebuilt when opened. */
    static final String FORMAT = "1";
    /** BM25 term-frequency saturation: the fifth repeat of a word adds little. */
    static final float K1 = 1.2f;
    /** BM25 length normalisation: a long text repeating the query's words does not outrank a focused one by length. */
    static final float B = 0.75f;
    static final float TITLE_BOOST = 2.0f;

    private static final System.Logger LOG = System.getLogger(LuceneSearch.class.getName());
    private static final String ID = "id";
    private static final String VERSION = "version";
    private static final String TITLE = "title";
    private static final String CONTENT = "content";
    private static final String KIND = "kind";
    private static final String JURISDICTION = "jurisdiction";
    /** The document's jurisdiction and every one above it ({@code US}, {@code US-CA}, {@code US-CA-SF}): what a scope reaches. */
    private static final String WITHIN = "within";
    private static final String TAG = "tag";
    private static final String OWNER = "owner";
    private static final String VISIBILITY = "visibility";
    /** Lucene refuses a term longer than this many UTF-8 bytes; PostgreSQL drops such words too. */
    private static final int MAX_TERM_BYTES = IndexWriter.MAX_TERM_LENGTH;
    private static final Sort ORDER = new Sort(SortField.FIELD_SCORE, new SortField(ID, SortField.Type.STRING));
    private static final int SYNC_BATCH = 200;
    private static final BM25Similarity SIMILARITY = new BM25Similarity(K1, B);

    private final Database db;
    private final BoundedReads reads;
    private final Directory directory;
    private final IndexWriter writer;
    /**
     * The searcher every search acquires and releases; only writers refresh it, after their change and
     * before their call returns, so a search never waits for a reopen and a caller's next search finds
     * what it just wrote.
     */
    private final SearcherManager searchers;
    /** Held while a change reads the database and applies what it found ({@link #reconcile}). */
    private final ReentrantLock changes = new ReentrantLock();

    private LuceneSearch(Database db, BoundedReads reads, Directory directory) throws IOException {
        this.db = db;
        this.reads = reads;
        this.directory = directory;
        this.writer = new IndexWriter(directory, new IndexWriterConfig().setSimilarity(SIMILARITY)
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND));
        this.searchers = new SearcherManager(writer, new SearcherFactory());
    }

    /**
     * The index in {@code path} (created when missing), or in memory when {@code path} is null (an
     * in-memory database), brought in step with the live documents of {@code db}.
     */
    static LuceneSearch open(Database db, BoundedReads reads, Path path) {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(reads, "reads");
        try {
            Directory directory = path == null ? new ByteBuffersDirectory() : FSDirectory.open(path);
            LuceneSearch search = new LuceneSearch(db, reads, directory);
            try {
                search.sync();
            } catch (RuntimeException | IOException e) {
                search.close();
                throw e;
            }
            return search;
        } catch (IOException e) {
            throw new UncheckedIOException("the search index in " + path + " could not be opened", e);
        }
    }

    /** Indexes what is missing or of another version, removes what is no longer live; all of it for another format. */
    private void sync() throws IOException {
        Map<String, String> commitData = new HashMap<>();
        writer.getLiveCommitData().forEach(entry -> commitData.put(entry.getKey(), entry.getValue()));
        if (!FORMAT.equals(commitData.get("format"))) {
            writer.deleteAll();
        }
        Map<String, Long> indexed = new HashMap<>();
        try (DirectoryReader reader = DirectoryReader.open(writer)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                Bits liveDocs = leaf.reader().getLiveDocs();
                StoredFields stored = leaf.reader().storedFields();
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (liveDocs == null || liveDocs.get(doc)) {
                        org.apache.lucene.document.Document fields = stored.document(doc, Set.of(ID, VERSION));
                        indexed.put(fields.get(ID), fields.getField(VERSION).numericValue().longValue());
                    }
                }
            }
        }
        Map<String, Long> live = db.read(connection -> {
            Map<String, Long> versions = new HashMap<>();
            Sql.list(connection, "SELECT id, version FROM documents WHERE delete_time IS NULL", List.of(),
                    row -> versions.put(row.getString(1), row.getLong(2)));
            return versions;
        });
        List<String> stale = new ArrayList<>();
        live.forEach((id, version) -> {
            if (!version.equals(indexed.get(id))) {
                stale.add(id);
            }
        });
        for (String id : indexed.keySet()) {
            if (!live.containsKey(id)) {
                writer.deleteDocuments(new Term(ID, id));
            }
        }
        for (int from = 0; from < stale.size(); from += SYNC_BATCH) {
            List<String> batch = stale.subList(from, Math.min(stale.size(), from + SYNC_BATCH));
            for (Document document : db.read(connection -> JdbcDocumentStore.current(connection, batch))) {
                writer.updateDocument(new Term(ID, document.getId()), fields(document));
            }
        }
        commit();
        searchers.maybeRefreshBlocking();
        if (!stale.isEmpty()) {
            LOG.log(Level.INFO, "search index: " + stale.size() + " document(s) indexed of " + live.size());
        }
    }

    private void commit() throws IOException {
        writer.setLiveCommitData(Map.of("format", FORMAT).entrySet());
        writer.commit();
    }

    @Override
    public void written(Document document) {
        reconcile(List.of(document.getId()), List.of(document), "document " + document.getId() + " not indexed");
    }

    /** The batch, then one refresh: a reindex of thousands does not reopen the index for each. */
    @Override
    public void writtenAll(List<Document> documents) {
        reconcile(documents.stream().map(Document::getId).toList(), documents,
                documents.size() + " reindexed document(s) not all indexed");
    }

    @Override
    public void deleted(String id) {
        reconcile(List.of(id), List.of(), "document " + id + " not removed");
    }

    /**
     * Brings the entries of {@code ids} to what the database holds now, one change at a time: a document
     * no longer live is removed, and a document told of is indexed only in its live version. Writers tell
     * the index after their commits, on their own threads, so two changes of one document can arrive in
     * either order (a delete and the restore after it, a late update and a delete, a write queued behind
     * the first open's catch-up); a change applied last still reads the database after every commit told
     * before it, so the index ends as the database is. A change whose version is no longer live is left
     * to the newer write's own call. One indexed read of the versions per change; the text comes from the
     * caller. When the database cannot be read, the change is applied as told (logged), so a write is not
     * lost to a database blip; only its order is then unchecked. The database has committed either way: a
     * failure of the index itself is logged, and the next open catches up.
     */
    private void reconcile(List<String> ids, List<Document> told, String lost) {
        changes.lock();
        // not under the writing call's gRPC context: its deadline may pass after its commit
        Context previous = Context.ROOT.attach();
        try {
            Map<String, Document> byId = new HashMap<>();
            told.forEach(document -> byId.put(document.getId(), document));
            for (int from = 0; from < ids.size(); from += SYNC_BATCH) {
                List<String> batch = ids.subList(from, Math.min(ids.size(), from + SYNC_BATCH));
                Map<String, Long> live = liveVersionsOrNull(batch);
                for (String id : batch) {
                    Document document = byId.get(id);
                    // when the database did not answer, the change as told stands for what is live
                    Long version = live != null ? live.get(id) : document == null ? null : document.getVersion();
                    if (version == null) {
                        writer.deleteDocuments(new Term(ID, id));
                    } else if (document != null && document.getVersion() == version) {
                        writer.updateDocument(new Term(ID, id), fields(document));
                    }
                }
            }
            refresh();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "search index: " + lost, e);
        } finally {
            Context.ROOT.detach(previous);
            changes.unlock();
        }
    }

    /** The live versions of {@code ids}, or null (logged) when the database cannot say. */
    private Map<String, Long> liveVersionsOrNull(List<String> ids) {
        try {
            return liveVersions(ids);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "search index: the live versions of " + ids.size() + " document(s) could not be read ("
                    + e.getMessage() + "); their change is applied as told, unchecked against the database");
            return null;
        }
    }

    private Map<String, Long> liveVersions(List<String> ids) {
        return db.read(connection -> {
            Map<String, Long> versions = new HashMap<>();
            Sql.list(connection, "SELECT id, version FROM documents WHERE delete_time IS NULL AND id IN ("
                    + Sql.placeholders(ids.size()) + ")", ids, row -> versions.put(row.getString(1), row.getLong(2)));
            return versions;
        });
    }

    /**
     * Makes this thread's change visible to the searches that start after it returns: the writer's own
     * next search finds it. A refresh under way on another writer's thread is waited for (its reader may
     * predate this change), then this one reopens, cheaply when that refresh already saw the change.
     * Searches never take this lock: they go on with the current searcher meanwhile.
     */
    private void refresh() throws IOException {
        searchers.maybeRefreshBlocking();
    }

    /** The live documents the searches starting now see: what the writers' refreshes have made visible. */
    int visibleDocuments() throws IOException {
        IndexSearcher current = searchers.acquire();
        try {
            return current.getIndexReader().numDocs();
        } finally {
            searchers.release(current);
        }
    }

    @Override
    public DocumentStore.SearchPage search(SearchQuery query, DocumentStore.Filter filter, int offset, int limit) {
        Query lucene = query(query, filter);
        List<String> ids = new ArrayList<>();
        Map<String, Double> scores = new HashMap<>();
        long total;
        try {
            IndexSearcher shared = searchers.acquire();
            try {
                // a searcher of its own over the shared reader: the time limit is this call's
                IndexSearcher searcher = new IndexSearcher(shared.getIndexReader());
                searcher.setSimilarity(SIMILARITY);
                long deadline = System.nanoTime() + reads.timeout().toNanos();
                searcher.setTimeout(() -> System.nanoTime() - deadline > 0);
                total = searcher.count(lucene);
                if (offset < total && limit > 0) {
                    TopFieldDocs top = searcher.search(lucene, (int) Math.min(total, (long) offset + limit), ORDER, true);
                    var stored = searcher.storedFields();
                    for (int i = offset; i < top.scoreDocs.length; i++) {
                        ScoreDoc hit = top.scoreDocs[i];
                        String id = stored.document(hit.doc, Set.of(ID)).get(ID);
                        ids.add(id);
                        scores.put(id, (double) hit.score);
                    }
                }
                if (searcher.timedOut()) {
                    // Lucene stops collecting and answers with what it has: a short page and a wrong count
                    throw reads.timedOut("the search");
                }
            } finally {
                searchers.release(shared);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the search index could not be read", e);
        }
        if (ids.isEmpty()) {
            return new DocumentStore.SearchPage(List.of(), total);
        }
        // the page under the store's own conditions too: a document changed since the index saw it is left out, never shown
        Sql.Where where = JdbcDocumentStore.filtered(filter).in("d.id", ids);
        Map<String, DocumentStore.Hit> rows = reads.run("the search", connection -> {
            Map<String, DocumentStore.Hit> found = new HashMap<>();
            Sql.list(connection, "SELECT " + JdbcDocumentStore.SUMMARY_COLUMNS + ", d.excerpt FROM documents d" + where.clause(),
                    where.params(), row -> {
                        Document document = JdbcDocumentStore.withoutContent(row);
                        return found.put(document.getId(), new DocumentStore.Hit(document, scores.get(document.getId()), row.getString("excerpt")));
                    });
            return found;
        });
        List<DocumentStore.Hit> hits = ids.stream().map(rows::get).filter(Objects::nonNull).toList();
        return new DocumentStore.SearchPage(hits, total);
    }

    /** Every clause must match, within what the filter's audience may read and the filter asks for. */
    static Query query(SearchQuery query, DocumentStore.Filter filter) {
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        for (SearchQuery.Clause clause : query.clauses()) {
            all.add(new BooleanQuery.Builder()
                    .add(new BoostQuery(clause(clause, TITLE), TITLE_BOOST), Occur.SHOULD)
                    .add(clause(clause, CONTENT), Occur.SHOULD)
                    .build(), Occur.MUST);
        }
        Query audience = audience(filter.audience());
        if (audience != null) {
            all.add(audience, Occur.FILTER);
        }
        if (filter.kind() != DocumentKind.DOCUMENT_KIND_UNSPECIFIED) {
            all.add(new TermQuery(new Term(KIND, JdbcDocumentStore.kindName(filter.kind()))), Occur.FILTER);
        }
        if (filter.jurisdiction() != null && !filter.jurisdiction().isEmpty()) {
            all.add(new TermQuery(new Term(JURISDICTION, filter.jurisdiction())), Occur.FILTER);
        }
        for (String tag : filter.tags()) {
            all.add(new TermQuery(new Term(TAG, tag)), Occur.FILTER);
        }
        return all.build();
    }

    private static Query clause(SearchQuery.Clause clause, String field) {
        return switch (clause.kind()) {
            case TERM -> new TermQuery(new Term(field, clause.terms().getFirst()));
            case PREFIX -> new PrefixQuery(new Term(field, clause.terms().getFirst()));
            case PHRASE -> new PhraseQuery(field, clause.terms().toArray(String[]::new));
        };
    }

    /** The same decision as {@link JdbcDocumentStore#visible}; null when the audience reads everything. */
    private static Query audience(Audience audience) {
        if (audience.readsEverything()) {
            return null;
        }
        Query isPublic = new TermQuery(new Term(VISIBILITY, "PUBLIC"));
        JurisdictionScope scope = audience.scope();
        BooleanQuery.Builder reachable = new BooleanQuery.Builder();
        if (!audience.everyOwner()) {
            reachable.add(new TermQuery(new Term(OWNER, audience.subject())), Occur.FILTER);
        }
        if (scope.limited()) {
            reachable.add(new TermQuery(new Term(WITHIN, scope.code())), Occur.FILTER);
        }
        return new BooleanQuery.Builder()
                .add(isPublic, Occur.SHOULD)
                .add(reachable.build(), Occur.SHOULD)
                .setMinimumNumberShouldMatch(1)
                .build();
    }

    private static org.apache.lucene.document.Document fields(Document document) {
        org.apache.lucene.document.Document fields = new org.apache.lucene.document.Document();
        fields.add(new StringField(ID, document.getId(), Field.Store.YES));
        fields.add(new SortedDocValuesField(ID, new BytesRef(document.getId())));
        fields.add(new StoredField(VERSION, document.getVersion()));
        fields.add(new NumericDocValuesField(VERSION, document.getVersion()));
        fields.add(new TextField(TITLE, new Terms(TextTerms.tokens(document.getTitle()))));
        fields.add(new TextField(CONTENT, new Terms(TextTerms.tokens(document.getContent()))));
        fields.add(new StringField(KIND, JdbcDocumentStore.kindName(document.getKind()), Field.Store.NO));
        String jurisdiction = document.getJurisdiction();
        fields.add(new StringField(JURISDICTION, jurisdiction, Field.Store.NO));
        for (int dash = jurisdiction.indexOf('-'); dash >= 0; dash = jurisdiction.indexOf('-', dash + 1)) {
            fields.add(new StringField(WITHIN, jurisdiction.substring(0, dash), Field.Store.NO));
        }
        fields.add(new StringField(WITHIN, jurisdiction, Field.Store.NO));
        for (String tag : document.getTagsList()) {
            fields.add(new StringField(TAG, tag, Field.Store.NO));
        }
        fields.add(new StringField(OWNER, document.getOwner(), Field.Store.NO));
        fields.add(new StringField(VISIBILITY, document.getVisibility() == Visibility.VISIBILITY_PUBLIC ? "PUBLIC" : "PRIVATE",
                Field.Store.NO));
        return fields;
    }

    @Override
    public void close() {
        try {
            try {
                commit();
            } finally {
                searchers.close();
                writer.close();
                directory.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "search index: not closed cleanly (the next start-up brings it in step)", e);
        }
    }

    /** The terms of a text as {@link TextTerms} makes them, one position each, so phrases are terms in a row. */
    private static final class Terms extends TokenStream {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final List<TextTerms.Token> tokens;
        private Iterator<TextTerms.Token> next;

        Terms(List<TextTerms.Token> tokens) {
            this.tokens = tokens;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            next = tokens.iterator();
        }

        @Override
        public boolean incrementToken() {
            clearAttributes();
            while (next.hasNext()) {
                String text = next.next().term();
                if (text.getBytes(StandardCharsets.UTF_8).length <= MAX_TERM_BYTES) {
                    term.setEmpty().append(text);
                    return true;
                }
            }
            return false;
        }
    }
}
