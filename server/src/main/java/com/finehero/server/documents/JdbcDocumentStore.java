package com.finehero.server.documents;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * {@link DocumentStore} on PostgreSQL or H2. Search matches and ranks with the same SQL on both (string
 * functions over the normalised terms); PostgreSQL first narrows the candidates through its
 * GIN-indexed tsvector of those terms.
 */
public final class JdbcDocumentStore implements DocumentStore {

    private static final String SUMMARY_COLUMNS = "d.id, d.title, d.kind, d.jurisdiction, d.tags, d.content_type, "
            + "d.size_bytes, d.checksum_sha256, d.version, d.author, d.create_time, d.update_time";

    private final Database db;

    public JdbcDocumentStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public Document create(Document document) {
        return db.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO documents (id, title, kind, jurisdiction, tags, content, content_type, size_bytes,
                        checksum_sha256, version, author, create_time, update_time, title_terms, content_terms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                int i = 1;
                insert.setString(i++, document.getId());
                i = bindBody(insert, i, document);
                insert.setObject(i++, Times.toSql(document.getCreateTime()));
                insert.setObject(i++, Times.toSql(document.getUpdateTime()));
                insert.setString(i++, TextTerms.indexed(document.getTitle()));
                insert.setString(i, TextTerms.indexed(document.getContent()));
                insert.executeUpdate();
            }
            writeTags(connection, document);
            writeVersion(connection, document);
            return document;
        });
    }

    @Override
    public List<String> ids(String afterId, int limit) {
        return db.read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id FROM documents WHERE delete_time IS NULL AND id > ? ORDER BY id LIMIT ?")) {
                select.setString(1, afterId);
                select.setInt(2, limit);
                List<String> ids = new java.util.ArrayList<>();
                try (java.sql.ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    @Override
    public int reindex(List<String> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return db.inTransaction(connection -> {
            String in = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
            java.util.Map<String, String[]> texts = new java.util.LinkedHashMap<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, title, content FROM documents WHERE delete_time IS NULL AND id IN (" + in + ") FOR UPDATE")) {
                for (int i = 0; i < ids.size(); i++) {
                    select.setString(i + 1, ids.get(i));
                }
                try (java.sql.ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        texts.put(rows.getString("id"), new String[] {rows.getString("title"), rows.getString("content")});
                    }
                }
            }
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE documents SET title_terms = ?, content_terms = ? WHERE id = ?")) {
                for (java.util.Map.Entry<String, String[]> entry : texts.entrySet()) {
                    update.setString(1, TextTerms.indexed(entry.getValue()[0]));
                    update.setString(2, TextTerms.indexed(entry.getValue()[1]));
                    update.setString(3, entry.getKey());
                    update.addBatch();
                }
                update.executeBatch();
            }
            return texts.size();
        });
    }

    @Override
    public Optional<Document> find(String id, long version) {
        return db.read(connection -> {
            String sql = version == 0
                    ? "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d WHERE d.id = ? AND d.delete_time IS NULL"
                    : "SELECT v.document_id AS id, v.title, v.kind, v.jurisdiction, v.tags, v.content_type, v.size_bytes, "
                    + "v.checksum_sha256, v.version, v.author, v.create_time, v.update_time, v.content "
                    + "FROM document_versions v JOIN documents d ON d.id = v.document_id "
                    + "WHERE v.document_id = ? AND v.version = ? AND d.delete_time IS NULL";
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                select.setString(1, id);
                if (version != 0) {
                    select.setLong(2, version);
                }
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(document(row, true)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Document change(String id, UnaryOperator<Document> change) {
        return db.inTransaction(connection -> {
            try (PreparedStatement lock = connection.prepareStatement(
                    "SELECT id FROM documents WHERE id = ? AND delete_time IS NULL FOR UPDATE")) {
                lock.setString(1, id);
                try (ResultSet row = lock.executeQuery()) {
                    if (!row.next()) {
                        throw FineHeroException.notFound("document", id);
                    }
                }
            }
            Document current;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d WHERE d.id = ?")) {
                select.setString(1, id);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    current = document(row, true);
                }
            }
            Document changed = change.apply(current);
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE documents SET title = ?, kind = ?, jurisdiction = ?, tags = ?, content = ?, content_type = ?,
                        size_bytes = ?, checksum_sha256 = ?, version = ?, author = ?, update_time = ?, title_terms = ?,
                        content_terms = ?
                    WHERE id = ?""")) {
                int i = bindBody(update, 1, changed);
                update.setObject(i++, Times.toSql(changed.getUpdateTime()));
                update.setString(i++, TextTerms.indexed(changed.getTitle()));
                update.setString(i++, TextTerms.indexed(changed.getContent()));
                update.setString(i, id);
                update.executeUpdate();
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM document_tags WHERE document_id = ?")) {
                delete.setString(1, id);
                delete.executeUpdate();
            }
            writeTags(connection, changed);
            writeVersion(connection, changed);
            return changed;
        });
    }

    @Override
    public void delete(String id, Instant when) {
        db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE documents SET delete_time = ? WHERE id = ? AND delete_time IS NULL")) {
                update.setObject(1, Times.toSql(when));
                update.setString(2, id);
                if (update.executeUpdate() == 0) {
                    throw FineHeroException.notFound("document", id);
                }
            }
            return null;
        });
    }

    @Override
    public Document restore(String id) {
        return db.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE documents SET delete_time = NULL WHERE id = ? AND delete_time IS NOT NULL")) {
                update.setString(1, id);
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM documents WHERE id = ?")) {
                        exists.setString(1, id);
                        try (ResultSet row = exists.executeQuery()) {
                            if (row.next()) {
                                throw FineHeroException.failedPrecondition("NOT_DELETED", "document " + id + " is not deleted");
                            }
                        }
                    }
                    throw FineHeroException.notFound("document", id);
                }
            }
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + SUMMARY_COLUMNS + ", d.content FROM documents d WHERE d.id = ?")) {
                select.setString(1, id);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return document(row, true);
                }
            }
        });
    }

    @Override
    public List<Document> list(Filter filter, Cursor after, int limit) {
        List<String> where = new ArrayList<>(List.of("d.delete_time IS NULL"));
        List<Object> params = new ArrayList<>();
        addFilter(filter, where, params);
        if (after != null) {
            where.add("(d.create_time < ? OR (d.create_time = ? AND d.id < ?))");
            params.add(Times.toSql(after.createTime()));
            params.add(Times.toSql(after.createTime()));
            params.add(after.id());
        }
        params.add(limit);
        String sql = "SELECT " + SUMMARY_COLUMNS + " FROM documents d WHERE " + String.join(" AND ", where)
                + " ORDER BY d.create_time DESC, d.id DESC LIMIT ?";
        return db.read(connection -> query(connection, sql, params, false));
    }

    @Override
    public List<Document> versions(String id, long beforeVersion, int limit) {
        return db.read(connection -> {
            try (PreparedStatement exists = connection.prepareStatement(
                    "SELECT 1 FROM documents WHERE id = ? AND delete_time IS NULL")) {
                exists.setString(1, id);
                try (ResultSet row = exists.executeQuery()) {
                    if (!row.next()) {
                        throw FineHeroException.notFound("document", id);
                    }
                }
            }
            String sql = "SELECT v.document_id AS id, v.title, v.kind, v.jurisdiction, v.tags, v.content_type, v.size_bytes, "
                    + "v.checksum_sha256, v.version, v.author, v.create_time, v.update_time FROM document_versions v "
                    + "WHERE v.document_id = ?" + (beforeVersion > 0 ? " AND v.version < ?" : "")
                    + " ORDER BY v.version DESC LIMIT ?";
            List<Object> params = new ArrayList<>(List.of(id));
            if (beforeVersion > 0) {
                params.add(beforeVersion);
            }
            params.add(limit);
            return query(connection, sql, params, false);
        });
    }

    @Override
    public SearchPage search(SearchQuery query, Filter filter, int offset, int limit) {
        List<String> where = new ArrayList<>(List.of("d.delete_time IS NULL"));
        List<Object> whereParams = new ArrayList<>();
        addFilter(filter, where, whereParams);
        addMatch(query.clauses(), where, whereParams);
        String whereSql = String.join(" AND ", where);
        return db.read(connection -> {
            long corpus = count(connection, "d.delete_time IS NULL", List.of());
            StringBuilder score = new StringBuilder();
            List<Object> scoreParams = new ArrayList<>();
            for (SearchQuery.Clause clause : query.clauses()) {
                List<String> one = new ArrayList<>(List.of("d.delete_time IS NULL"));
                List<Object> oneParams = new ArrayList<>();
                addMatch(List.of(clause), one, oneParams);
                long matching = count(connection, String.join(" AND ", one), oneParams);
                double idf = Math.log(1 + (corpus - matching + 0.5) / (matching + 0.5));
                String pattern = clause.pattern();
                String inTitle = occurrences("d.title_terms");
                String inContent = occurrences("d.content_terms");
                if (!score.isEmpty()) {
                    score.append(" + ");
                }
                // BM25-style saturation: repeats count less and less; a title hit weighs double
                score.append("? * (2.0 * ").append(inTitle).append(" / (").append(inTitle).append(" + 0.5) + ")
                        .append(inContent).append(" / (").append(inContent).append(" + 1.2))");
                scoreParams.add(idf);
                for (int k = 0; k < 4; k++) {
                    scoreParams.add(pattern);
                    scoreParams.add(pattern.length());
                }
            }
            long total = count(connection, whereSql, whereParams);
            String sql = "SELECT * FROM (SELECT " + SUMMARY_COLUMNS + ", d.content, " + score + " AS score "
                    + "FROM documents d WHERE " + whereSql + ") s "
                    + "ORDER BY ROUND(CAST(s.score AS NUMERIC), 6) DESC, s.id LIMIT ? OFFSET ?";
            List<Object> params = new ArrayList<>(scoreParams);
            params.addAll(whereParams);
            params.add(limit);
            params.add(offset);
            List<Hit> hits = new ArrayList<>();
            try (PreparedStatement select = prepare(connection, sql, params); ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    hits.add(new Hit(document(rows, true), rows.getDouble("score")));
                }
            }
            return new SearchPage(hits, total);
        });
    }

    @Override
    public Set<String> existing(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        String sql = "SELECT id FROM documents WHERE delete_time IS NULL AND id IN ("
                + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")";
        return db.read(connection -> {
            Set<String> found = new HashSet<>();
            try (PreparedStatement select = prepare(connection, sql, new ArrayList<>(ids)); ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
            }
            return found;
        });
    }

    /** Count of a pattern in a padded terms column; the pattern and its length are parameters. */
    private static String occurrences(String column) {
        return "(CAST(LENGTH(" + column + ") - LENGTH(REPLACE(" + column + ", ?, '')) AS DOUBLE PRECISION) / ?)";
    }

    private void addMatch(List<SearchQuery.Clause> clauses, List<String> where, List<Object> params) {
        if (db.dialect() instanceof Dialect.PostgreSql) {
            where.add("d.search_vector @@ to_tsquery('simple', ?)");
            params.add(clauses.stream().map(SearchQuery.Clause::tsquery).reduce((a, b) -> a + " & " + b).orElseThrow());
        }
        for (SearchQuery.Clause clause : clauses) {
            // the exact test, the same on both databases (on PostgreSQL the index above already narrowed it)
            where.add("(d.title_terms LIKE ? OR d.content_terms LIKE ?)");
            params.add("%" + clause.pattern() + "%");
            params.add("%" + clause.pattern() + "%");
        }
    }

    private static void addFilter(Filter filter, List<String> where, List<Object> params) {
        if (filter.kind() != DocumentKind.DOCUMENT_KIND_UNSPECIFIED) {
            where.add("d.kind = ?");
            params.add(kindName(filter.kind()));
        }
        if (!filter.jurisdiction().isEmpty()) {
            where.add("d.jurisdiction = ?");
            params.add(filter.jurisdiction());
        }
        for (String tag : filter.tags()) {
            where.add("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag = ?)");
            params.add(tag);
        }
    }

    private static long count(Connection connection, String where, List<Object> params) throws SQLException {
        try (PreparedStatement select = prepare(connection, "SELECT COUNT(*) FROM documents d WHERE " + where, params);
             ResultSet row = select.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }

    private static List<Document> query(Connection connection, String sql, List<Object> params, boolean content)
            throws SQLException {
        List<Document> documents = new ArrayList<>();
        try (PreparedStatement select = prepare(connection, sql, params); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                documents.add(document(rows, content));
            }
        }
        return documents;
    }

    private static PreparedStatement prepare(Connection connection, String sql, List<Object> params) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < params.size(); i++) {
            statement.setObject(i + 1, params.get(i));
        }
        return statement;
    }

    private static int bindBody(PreparedStatement statement, int first, Document document) throws SQLException {
        int i = first;
        statement.setString(i++, document.getTitle());
        statement.setString(i++, kindName(document.getKind()));
        statement.setString(i++, document.getJurisdiction());
        statement.setString(i++, String.join("\n", document.getTagsList()));
        statement.setString(i++, document.getContent());
        statement.setString(i++, document.getContentType());
        statement.setLong(i++, document.getSizeBytes());
        statement.setString(i++, document.getChecksumSha256());
        statement.setLong(i++, document.getVersion());
        statement.setString(i++, document.getAuthor());
        return i;
    }

    private static void writeTags(Connection connection, Document document) throws SQLException {
        if (document.getTagsCount() == 0) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO document_tags (document_id, tag) VALUES (?, ?)")) {
            for (String tag : document.getTagsList()) {
                insert.setString(1, document.getId());
                insert.setString(2, tag);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static void writeVersion(Connection connection, Document document) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO document_versions (document_id, title, kind, jurisdiction, tags, content, content_type,
                    size_bytes, checksum_sha256, version, author, create_time, update_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setString(1, document.getId());
            int i = bindBody(insert, 2, document);
            insert.setObject(i++, Times.toSql(document.getCreateTime()));
            insert.setObject(i, Times.toSql(document.getUpdateTime()));
            insert.executeUpdate();
        }
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
                .setCreateTime(Times.fromSql(row.getObject("create_time", OffsetDateTime.class)))
                .setUpdateTime(Times.fromSql(row.getObject("update_time", OffsetDateTime.class)));
        String tags = row.getString("tags");
        if (!tags.isEmpty()) {
            document.addAllTags(Arrays.asList(tags.split("\n")));
        }
        if (withContent) {
            document.setContent(row.getString("content"));
        }
        return document.build();
    }

    static String kindName(DocumentKind kind) {
        return kind.name().substring("DOCUMENT_KIND_".length());
    }

}
