package com.finehero.server.documents;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Sql;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.JurisdictionScope;

/**
 * {@link DocumentStore} on PostgreSQL or H2. Every write stores the normalised search terms and the
 * excerpt of the text; searches go to the {@link DocumentSearch} of the database, which shares this
 * store's audience and filter conditions.
 */
final class JdbcDocumentStore implements DocumentStore {

    static final String SUMMARY_COLUMNS = "d.id, d.title, d.kind, d.jurisdiction, d.tags, d.content_type, "
            + "d.size_bytes, d.checksum_sha256, d.version, d.author, d.create_time, d.update_time, d.owner, d.visibility, "
            + "d.page_count, d.no_text";
    /** A past version's columns, with the owner and visibility of the document (they are not versioned). */
    private static final String VERSION_COLUMNS = "v.document_id AS id, v.title, v.kind, v.jurisdiction, v.tags, v.content_type, "
            + "v.size_bytes, v.checksum_sha256, v.version, v.author, v.create_time, v.update_time, d.owner, d.visibility, "
            + "v.page_count, v.no_text";
    private static final String SELECT_CURRENT = "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d WHERE d.id = ?";

    private final Database db;
    private final BoundedReads reads;
    private final DocumentSearch search;

    /** {@code reads} bounds each statement of a list a caller asks for; {@code search} answers searches. */
    public JdbcDocumentStore(Database db, BoundedReads reads, DocumentSearch search) {
        this.db = Objects.requireNonNull(db, "db");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.search = Objects.requireNonNull(search, "search");
    }

    @Override
    public Document create(Document document) {
        return db.inTransaction(connection -> {
            Sql.update(connection, """
                    INSERT INTO documents (id, title, kind, jurisdiction, tags, content, content_type, size_bytes,
                        checksum_sha256, version, author, page_count, no_text, create_time, update_time, title_terms, content_terms,
                        excerpt, term_count, owner, visibility)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", Sql.concat(List.of(document.getId()), body(document),
                    List.of(document.getCreateTime(), document.getUpdateTime()), terms(document),
                    List.of(document.getOwner(), visibilityName(document.getVisibility()))));
            writeTags(connection, document);
            writeVersion(connection, document);
            db.afterCommit(() -> search.written(document));
            return document;
        });
    }

    @Override
    public List<String> ids(String afterId, int limit) {
        return db.read(connection -> Sql.list(connection,
                "SELECT id FROM documents WHERE delete_time IS NULL AND id > ? ORDER BY id LIMIT ?", List.of(afterId, limit),
                row -> row.getString(1)));
    }

    @Override
    public int reindex(List<String> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return db.inTransaction(connection -> {
            List<Document> documents = Sql.list(connection, "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d"
                    + " WHERE d.delete_time IS NULL AND d.id IN (" + Sql.placeholders(ids.size()) + ") FOR UPDATE", ids,
                    JdbcDocumentStore::withContent);
            Sql.batch(connection, "UPDATE documents SET title_terms = ?, content_terms = ?, excerpt = ?, term_count = ? WHERE id = ?",
                    documents.stream().map(document -> Sql.concat(terms(document), List.of(document.getId()))).toList());
            db.afterCommit(() -> search.writtenAll(documents));
            return documents.size();
        });
    }

    /** The live documents among {@code ids}, with content. */
    static List<Document> current(Connection connection, List<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        return Sql.list(connection, "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d WHERE d.delete_time IS NULL AND d.id IN ("
                + Sql.placeholders(ids.size()) + ")", ids, JdbcDocumentStore::withContent);
    }

    @Override
    public Optional<Document> find(String id, long version, Audience audience) {
        Sql.Where where = visible(live(), audience);
        String sql = version == 0
                ? "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d" + where.and("d.id = ?", id).clause()
                : "SELECT " + VERSION_COLUMNS + ", v.content FROM document_versions v JOIN documents d ON d.id = v.document_id"
                        + where.and("v.document_id = ?", id).and("v.version = ?", version).clause();
        return db.read(connection -> Sql.one(connection, sql, where.params(), JdbcDocumentStore::withContent));
    }

    @Override
    public Document change(String id, Audience audience, UnaryOperator<Document> change) {
        Sql.Where where = visible(live(), audience).and("d.id = ?", id);
        return db.inTransaction(connection -> {
            if (Sql.one(connection, "SELECT d.id FROM documents d" + where.clause() + " FOR UPDATE", where.params(),
                    row -> true).isEmpty()) {
                throw FineHeroException.notFound("document", id);
            }
            Document current = Sql.one(connection, SELECT_CURRENT, List.of(id), JdbcDocumentStore::withContent).orElseThrow();
            Document changed = change.apply(current);
            Sql.update(connection, """
                    UPDATE documents SET title = ?, kind = ?, jurisdiction = ?, tags = ?, content = ?, content_type = ?,
                        size_bytes = ?, checksum_sha256 = ?, version = ?, author = ?, page_count = ?, no_text = ?,
                        update_time = ?, title_terms = ?,
                        content_terms = ?, excerpt = ?, term_count = ?, visibility = ?
                    WHERE id = ?""", Sql.concat(body(changed), List.of(changed.getUpdateTime()), terms(changed),
                    List.of(visibilityName(changed.getVisibility()), id)));
            Sql.update(connection, "DELETE FROM document_tags WHERE document_id = ?", List.of(id));
            writeTags(connection, changed);
            writeVersion(connection, changed);
            db.afterCommit(() -> search.written(changed));
            return changed;
        });
    }

    @Override
    public void delete(String id, Instant when) {
        db.inTransaction(connection -> {
            if (Sql.update(connection, "UPDATE documents SET delete_time = ? WHERE id = ? AND delete_time IS NULL",
                    List.of(when, id)) == 0) {
                throw FineHeroException.notFound("document", id);
            }
            db.afterCommit(() -> search.deleted(id));
            return null;
        });
    }

    @Override
    public Document restore(String id) {
        return db.inTransaction(connection -> {
            if (Sql.update(connection, "UPDATE documents SET delete_time = NULL WHERE id = ? AND delete_time IS NOT NULL",
                    List.of(id)) == 0) {
                if (Sql.one(connection, "SELECT 1 FROM documents WHERE id = ?", List.of(id), row -> true).isPresent()) {
                    throw FineHeroException.failedPrecondition("NOT_DELETED", "document " + id + " is not deleted");
                }
                throw FineHeroException.notFound("document", id);
            }
            Document restored = Sql.one(connection, SELECT_CURRENT, List.of(id), JdbcDocumentStore::withContent).orElseThrow();
            db.afterCommit(() -> search.written(restored));
            return restored;
        });
    }

    @Override
    public List<Document> list(Filter filter, Cursor after, int limit) {
        Sql.Where where = filtered(filter);
        if (after != null) {
            where.beforeKey("d.create_time", "d.id", after.createTime(), after.id());
        }
        String sql = "SELECT " + SUMMARY_COLUMNS + " FROM documents d" + where.clause() + " ORDER BY d.create_time DESC, d.id DESC LIMIT ?";
        return reads.run("the listing", connection -> Sql.list(connection, sql, where.params(limit), JdbcDocumentStore::withoutContent));
    }

    @Override
    public List<Document> versions(String id, long beforeVersion, int limit, Audience audience) {
        Sql.Where document = visible(live(), audience).and("d.id = ?", id);
        return db.read(connection -> {
            if (Sql.one(connection, "SELECT 1 FROM documents d" + document.clause(), document.params(), row -> true).isEmpty()) {
                throw FineHeroException.notFound("document", id);
            }
            Sql.Where where = Sql.where().and("v.document_id = ?", id).below("v.version", beforeVersion > 0 ? beforeVersion : null);
            return Sql.list(connection, "SELECT " + VERSION_COLUMNS + " FROM document_versions v JOIN documents d ON d.id = v.document_id"
                    + where.clause() + " ORDER BY v.version DESC LIMIT ?", where.params(limit), JdbcDocumentStore::withoutContent);
        });
    }

    @Override
    public SearchPage search(SearchQuery query, Filter filter, int offset, int limit) {
        return search.search(query, filter, offset, limit);
    }

    @Override
    public Set<String> existing(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        return db.read(connection -> new HashSet<>(Sql.list(connection,
                "SELECT id FROM documents WHERE delete_time IS NULL AND id IN (" + Sql.placeholders(ids.size()) + ")",
                List.copyOf(ids), row -> row.getString(1))));
    }

    /** Documents that are not deleted. */
    static Sql.Where live() {
        return Sql.where().and("d.delete_time IS NULL");
    }

    /** Narrows {@code where} (over {@code documents d}) to what {@code audience} may read. */
    static Sql.Where visible(Sql.Where where, Audience audience) {
        if (audience.readsEverything()) {
            return where;
        }
        JurisdictionScope scope = audience.scope();
        if (!scope.limited()) {
            return where.and("(d.visibility = 'PUBLIC' OR d.owner = ?)", audience.subject());
        }
        List<Object> params = new ArrayList<>();
        String owned = "";
        if (!audience.everyOwner()) {
            owned = "d.owner = ? AND ";
            params.add(audience.subject());
        }
        params.addAll(List.of(scope.sqlParams()));
        return where.and("(d.visibility = 'PUBLIC' OR (" + owned + scope.sqlCondition("d.jurisdiction") + "))", params.toArray());
    }

    /** Live documents passing {@code filter}, for its audience. */
    static Sql.Where filtered(Filter filter) {
        Sql.Where where = visible(live(), filter.audience())
                .eq("d.kind", filter.kind() == DocumentKind.DOCUMENT_KIND_UNSPECIFIED ? null : kindName(filter.kind()))
                .eq("d.jurisdiction", filter.jurisdiction());
        for (String tag : filter.tags()) {
            where.and("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag = ?)", tag);
        }
        return where;
    }

    static long count(Connection connection, Sql.Where where) throws SQLException {
        return Sql.one(connection, "SELECT COUNT(*) FROM documents d" + where.clause(), where.params(), row -> row.getLong(1)).orElseThrow();
    }

    /**
     * Title, kind, jurisdiction, tags, content, content type, size, checksum, version, author, page count and
     * the no-text flag, in that order.
     */
    private static List<Object> body(Document document) {
        return List.of(document.getTitle(), kindName(document.getKind()), document.getJurisdiction(),
                String.join("\n", document.getTagsList()), document.getContent(), document.getContentType(),
                document.getSizeBytes(), document.getChecksumSha256(), document.getVersion(), document.getAuthor(),
                document.getPageCount(), document.getNoText());
    }

    /** The search terms of the title and the content, the excerpt snippets are cut from, and the number of terms. */
    private static List<Object> terms(Document document) {
        return terms(document.getTitle(), document.getContent());
    }

    static List<Object> terms(String title, String content) {
        String titleTerms = TextTerms.indexed(title);
        String contentTerms = TextTerms.indexed(content);
        return List.of(titleTerms, contentTerms, Excerpts.of(content), TextTerms.count(titleTerms) + TextTerms.count(contentTerms));
    }

    private static void writeTags(Connection connection, Document document) throws SQLException {
        if (document.getTagsCount() == 0) {
            return;
        }
        Sql.batch(connection, "INSERT INTO document_tags (document_id, tag) VALUES (?, ?)",
                document.getTagsList().stream().map(tag -> List.of(document.getId(), tag)).toList());
    }

    private static void writeVersion(Connection connection, Document document) throws SQLException {
        Sql.update(connection, """
                INSERT INTO document_versions (document_id, title, kind, jurisdiction, tags, content, content_type,
                    size_bytes, checksum_sha256, version, author, page_count, no_text, create_time, update_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", Sql.concat(List.of(document.getId()), body(document),
                List.of(document.getCreateTime(), document.getUpdateTime())));
    }

    private static Document withContent(ResultSet row) throws SQLException {
        return document(row, true);
    }

    static Document withoutContent(ResultSet row) throws SQLException {
        return document(row, false);
    }

    private static Document document(ResultSet row, boolean withContent) throws SQLException {
        Document.Builder document = Document.newBuilder()
                .setId(row.getString("id"))
                .setTitle(row.getString("title"))
                .setKind(DocumentKind.valueOf("DOCUMENT_KIND_" + row.getString("kind")))
                .setJurisdiction(row.getString("jurisdiction"))
                .setContentType(row.getString("content_type"))
                .setSizeBytes(row.getLong("size_bytes"))
                .setChecksumSha256(row.getString("checksum_sha256"))
                .setVersion(row.getLong("version"))
                .setAuthor(row.getString("author"))
                .setCreateTime(Times.timestamp(row, "create_time"))
                .setUpdateTime(Times.timestamp(row, "update_time"))
                .setOwner(row.getString("owner"))
                .setVisibility(Visibility.valueOf("VISIBILITY_" + row.getString("visibility")))
                .setPageCount(row.getInt("page_count"))
                .setNoText(row.getBoolean("no_text"));
        String tags = row.getString("tags");
        if (!tags.isEmpty()) {
            document.addAllTags(Arrays.asList(tags.split("\n")));
        }
        if (withContent) {
            document.setContent(row.getString("content"));
        }
        return document.build();
    }

    private static String visibilityName(Visibility visibility) {
        if (visibility == Visibility.VISIBILITY_UNSPECIFIED || visibility == Visibility.UNRECOGNIZED) {
            throw new IllegalArgumentException("visibility: " + visibility + " (expected: PUBLIC or PRIVATE, set by DocumentRules)");
        }
        return visibility.name().substring("VISIBILITY_".length());
    }

    static String kindName(DocumentKind kind) {
        return kind.name().substring("DOCUMENT_KIND_".length());
    }

}
