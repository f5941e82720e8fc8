package com.finehero.server.documents;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
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
 * {@link DocumentStore} on PostgreSQL or H2. Search matches and ranks with the same SQL on both (string
 * functions over the normalised terms); PostgreSQL first narrows the candidates through its
 * GIN-indexed tsvector of those terms ({@link DocumentSearchSql}).
 */
final class JdbcDocumentStore implements DocumentStore {

    private static final String SUMMARY_COLUMNS = "d.id, d.title, d.kind, d.jurisdiction, d.tags, d.content_type, "
            + "d.size_bytes, d.checksum_sha256, d.version, d.author, d.create_time, d.update_time, d.owner, d.visibility";
    /** A past version's columns, with the owner and visibility of the document (they are not versioned). */
    private static final String VERSION_COLUMNS = "v.document_id AS id, v.title, v.kind, v.jurisdiction, v.tags, v.content_type, "
            + "v.size_bytes, v.checksum_sha256, v.version, v.author, v.create_time, v.update_time, d.owner, d.visibility";
    /** SQLSTATE of a statement cancelled by its timeout, on PostgreSQL and H2 alike. */
    private static final String QUERY_CANCELLED = "57014";
    private static final String SELECT_CURRENT = "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d WHERE d.id = ?";

    private final Database db;
    private final DocumentSearchSql search;
    private final Duration queryTimeout;

    /** {@code queryTimeout} bounds each statement of a list or search a caller asks for. */
    public JdbcDocumentStore(Database db, Duration queryTimeout) {
        this.db = Objects.requireNonNull(db, "db");
        this.search = DocumentSearchSql.of(db.dialect());
        this.queryTimeout = Objects.requireNonNull(queryTimeout, "queryTimeout");
        if (queryTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("queryTimeout: " + queryTimeout + " (expected: at least 1 ms)");
        }
    }

    @Override
    public Document create(Document document) {
        return db.inTransaction(connection -> {
            Sql.update(connection, """
                    INSERT INTO documents (id, title, kind, jurisdiction, tags, content, content_type, size_bytes,
                        checksum_sha256, version, author, create_time, update_time, title_terms, content_terms, owner, visibility)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", Sql.concat(List.of(document.getId()), body(document),
                    List.of(document.getCreateTime(), document.getUpdateTime()), terms(document),
                    List.of(document.getOwner(), visibilityName(document.getVisibility()))));
            writeTags(connection, document);
            writeVersion(connection, document);
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
            List<List<String>> terms = Sql.list(connection, "SELECT id, title, content FROM documents WHERE delete_time IS NULL AND id IN ("
                    + Sql.placeholders(ids.size()) + ") FOR UPDATE", ids, row -> List.of(
                    TextTerms.indexed(row.getString("title")), TextTerms.indexed(row.getString("content")), row.getString("id")));
            Sql.batch(connection, "UPDATE documents SET title_terms = ?, content_terms = ? WHERE id = ?", terms);
            return terms.size();
        });
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
                        size_bytes = ?, checksum_sha256 = ?, version = ?, author = ?, update_time = ?, title_terms = ?,
                        content_terms = ?, visibility = ?
                    WHERE id = ?""", Sql.concat(body(changed), List.of(changed.getUpdateTime()), terms(changed),
                    List.of(visibilityName(changed.getVisibility()), id)));
            Sql.update(connection, "DELETE FROM document_tags WHERE document_id = ?", List.of(id));
            writeTags(connection, changed);
            writeVersion(connection, changed);
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
            return Sql.one(connection, SELECT_CURRENT, List.of(id), JdbcDocumentStore::withContent).orElseThrow();
        });
    }

    @Override
    public List<Document> list(Filter filter, Cursor after, int limit) {
        Sql.Where where = filtered(filter);
        if (after != null) {
            where.beforeKey("d.create_time", "d.id", after.createTime(), after.id());
        }
        String sql = "SELECT " + SUMMARY_COLUMNS + " FROM documents d" + where.clause() + " ORDER BY d.create_time DESC, d.id DESC LIMIT ?";
        return bounded("the listing", connection -> Sql.list(connection, sql, where.params(limit), JdbcDocumentStore::withoutContent));
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
        Sql.Where where = search.match(filtered(filter), query.clauses());
        return bounded("the search", connection -> {
            // ranked among what the caller may read: another owner's private text does not move the scores
            long corpus = count(connection, visible(live(), filter.audience()));
            List<String> scores = new ArrayList<>();
            List<Object> scoreParams = new ArrayList<>();
            for (SearchQuery.Clause clause : query.clauses()) {
                long matching = count(connection, search.match(visible(live(), filter.audience()), List.of(clause)));
                double idf = Math.log(1 + (corpus - matching + 0.5) / (matching + 0.5));
                String inTitle = occurrences("d.title_terms");
                String inContent = occurrences("d.content_terms");
                // BM25-style saturation: repeats count less and less; a title hit weighs double
                scores.add("? * (2.0 * " + inTitle + " / (" + inTitle + " + 0.5) + " + inContent + " / (" + inContent + " + 1.2))");
                scoreParams.add(idf);
                for (int k = 0; k < 4; k++) {
                    scoreParams.addAll(List.of(clause.pattern(), clause.pattern().length()));
                }
            }
            long total = count(connection, where);
            String sql = "SELECT * FROM (SELECT " + SUMMARY_COLUMNS + ", d.content, " + String.join(" + ", scores) + " AS score "
                    + "FROM documents d" + where.clause() + ") s "
                    + "ORDER BY ROUND(CAST(s.score AS NUMERIC), 6) DESC, s.id LIMIT ? OFFSET ?";
            List<Hit> hits = Sql.list(connection, sql, Sql.concat(scoreParams, where.params(limit, offset)),
                    row -> new Hit(withContent(row), row.getDouble("score")));
            return new SearchPage(hits, total);
        });
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

    /** Count of a pattern in a padded terms column; the pattern and its length are parameters. */
    private static String occurrences(String column) {
        return "(CAST(LENGTH(" + column + ") - LENGTH(REPLACE(" + column + ", ?, '')) AS DOUBLE PRECISION) / ?)";
    }

    /** Documents that are not deleted. */
    private static Sql.Where live() {
        return Sql.where().and("d.delete_time IS NULL");
    }

    /** Narrows {@code where} (over {@code documents d}) to what {@code audience} may read. */
    private static Sql.Where visible(Sql.Where where, Audience audience) {
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

    /**
     * Runs a read a caller drives (list, search) with each statement bounded by the query timeout, so one
     * heavy query cannot hold a connection and a core for long. Past it: UNAVAILABLE, reason QUERY_TIMEOUT.
     */
    private <T> T bounded(String what, Database.TransactionWork<T> work) {
        try {
            return db.read(connection -> {
                search.limitStatements(connection, queryTimeout);
                try {
                    return work.run(connection);
                } finally {
                    search.unlimitStatements(connection);
                }
            });
        } catch (Database.DatabaseException e) {
            if (!QUERY_CANCELLED.equals(e.sqlException().getSQLState())) {
                throw e;
            }
            throw new FineHeroException.Unavailable("QUERY_TIMEOUT", what + " took longer than " + queryTimeout.toMillis()
                    + " ms (finehero.documents.query-timeout); narrow it, e.g. fewer or longer prefixes", Duration.ofSeconds(1));
        }
    }

    /** Live documents passing {@code filter}, for its audience. */
    private static Sql.Where filtered(Filter filter) {
        Sql.Where where = visible(live(), filter.audience())
                .eq("d.kind", filter.kind() == DocumentKind.DOCUMENT_KIND_UNSPECIFIED ? null : kindName(filter.kind()))
                .eq("d.jurisdiction", filter.jurisdiction());
        for (String tag : filter.tags()) {
            where.and("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag = ?)", tag);
        }
        return where;
    }

    private static long count(Connection connection, Sql.Where where) throws SQLException {
        return Sql.one(connection, "SELECT COUNT(*) FROM documents d" + where.clause(), where.params(), row -> row.getLong(1)).orElseThrow();
    }

    /** Title, kind, jurisdiction, tags, content, content type, size, checksum, version and author, in that order. */
    private static List<Object> body(Document document) {
        return List.of(document.getTitle(), kindName(document.getKind()), document.getJurisdiction(),
                String.join("\n", document.getTagsList()), document.getContent(), document.getContentType(),
                document.getSizeBytes(), document.getChecksumSha256(), document.getVersion(), document.getAuthor());
    }

    /** The search terms of the title and the content. */
    private static List<Object> terms(Document document) {
        return List.of(TextTerms.indexed(document.getTitle()), TextTerms.indexed(document.getContent()));
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
                    size_bytes, checksum_sha256, version, author, create_time, update_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", Sql.concat(List.of(document.getId()), body(document),
                List.of(document.getCreateTime(), document.getUpdateTime())));
    }

    private static Document withContent(ResultSet row) throws SQLException {
        return document(row, true);
    }

    private static Document withoutContent(ResultSet row) throws SQLException {
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
                .setVisibility(Visibility.valueOf("VISIBILITY_" + row.getString("visibility")));
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
