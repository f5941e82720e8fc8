package com.finehero.server.documents;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

import com.finehero.server.platform.db.Sql;
import org.postgresql.PGConnection;

/**
 * Bulk import for measuring only: writes generated documents straight into the server's tables (after
 * its migrations ran), with the columns {@link JdbcDocumentStore} would write, the search terms and the
 * excerpt computed by the same code. PostgreSQL gets {@code COPY}, H2 batched inserts. Ids are derived
 * from the document's index, so both databases hold the same ids.
 */
public final class CorpusLoader {

    /** A document to import: what a create carries, before the store derives the rest. */
    public record Row(int index, String title, String kind, String jurisdiction, List<String> tags, String content, boolean isPrivate) { }

    private static final String COLUMNS = "id, title, kind, jurisdiction, tags, content, content_type, size_bytes, checksum_sha256, "
            + "version, author, create_time, update_time, title_terms, content_terms, excerpt, term_count, owner, visibility";
    private static final String VERSION_COLUMNS = "document_id, title, kind, jurisdiction, tags, content, content_type, size_bytes, "
            + "checksum_sha256, version, author, create_time, update_time";
    private static final Instant EPOCH = Instant.parse("2020-01-01T00:00:00Z");

    private CorpusLoader() {
    }

    public static String id(int index) {
        return UUID.nameUUIDFromBytes(("finehero-search-corpus-" + index).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Imports documents [from, to) into PostgreSQL with COPY, {@code batch} per statement; commits each batch. */
    public static void toPostgres(Connection connection, IntFunction<Row> rows, int from, int to, int batch) throws SQLException {
        var copy = connection.unwrap(PGConnection.class).getCopyAPI();
        for (int start = from; start < to; start += batch) {
            StringBuilder documents = new StringBuilder();
            StringBuilder versions = new StringBuilder();
            StringBuilder tags = new StringBuilder();
            for (int i = start; i < Math.min(to, start + batch); i++) {
                List<Object> values = values(rows.apply(i));
                csv(documents, values);
                csv(versions, values.subList(0, 13));
                for (String tag : rows.apply(i).tags()) {
                    csv(tags, List.of(id(i), tag));
                }
            }
            try {
                copy.copyIn("COPY documents (" + COLUMNS + ") FROM STDIN (FORMAT csv)", new StringReader(documents.toString()));
                copy.copyIn("COPY document_versions (" + VERSION_COLUMNS + ") FROM STDIN (FORMAT csv)", new StringReader(versions.toString()));
                copy.copyIn("COPY document_tags (document_id, tag) FROM STDIN (FORMAT csv)", new StringReader(tags.toString()));
            } catch (java.io.IOException e) {
                throw new SQLException(e);
            }
            connection.commit();
        }
    }

    /** Imports documents [from, to) into H2 with batched inserts; commits every {@code batch}. */
    public static void toH2(Connection connection, IntFunction<Row> rows, int from, int to, int batch) throws SQLException {
        try (PreparedStatement documents = connection.prepareStatement("INSERT INTO documents (" + COLUMNS + ") VALUES ("
                + Sql.placeholders(19) + ")");
             PreparedStatement versions = connection.prepareStatement("INSERT INTO document_versions (" + VERSION_COLUMNS
                     + ") VALUES (" + Sql.placeholders(13) + ")");
             PreparedStatement tags = connection.prepareStatement("INSERT INTO document_tags (document_id, tag) VALUES (?, ?)")) {
            for (int i = from; i < to; i++) {
                Row row = rows.apply(i);
                List<Object> values = values(row);
                bind(documents, values);
                documents.addBatch();
                bind(versions, values.subList(0, 13));
                versions.addBatch();
                for (String tag : row.tags()) {
                    bind(tags, List.of(id(i), tag));
                    tags.addBatch();
                }
                if ((i - from + 1) % batch == 0 || i == to - 1) {
                    documents.executeBatch();
                    versions.executeBatch();
                    tags.executeBatch();
                    connection.commit();
                }
            }
        }
    }

    private static List<Object> values(Row row) {
        byte[] bytes = row.content().getBytes(StandardCharsets.UTF_8);
        Timestamp time = Timestamp.from(EPOCH.plusSeconds(row.index()));
        List<Object> values = new ArrayList<>(List.of(id(row.index()), row.title(), row.kind(), row.jurisdiction(),
                String.join("\n", row.tags()), row.content(), "text/plain", (long) bytes.length, DocumentRules.sha256(bytes), 1L,
                "bench", time, time));
        values.addAll(JdbcDocumentStore.terms(row.title(), row.content()));
        values.addAll(List.of("system", row.isPrivate() ? "PRIVATE" : "PUBLIC"));
        return values;
    }

    private static void bind(PreparedStatement statement, List<Object> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            statement.setObject(i + 1, values.get(i));
        }
    }

    private static void csv(StringBuilder out, List<Object> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object value = values.get(i);
            String text = value instanceof Timestamp t ? t.toInstant().toString() : value.toString();
            out.append('"').append(text.replace("\"", "\"\"")).append('"');
        }
        out.append('\n');
    }
}
