package com.finehero.server.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.db.Sql;

/**
 * Search in portable SQL over the stored, space-padded terms ({@link TextTerms}): every clause is a
 * LIKE over the title and content terms, and a BM25-style score counts occurrences with string
 * functions. Every matching document costs string work proportional to its length, so this serves
 * small embedded corpora; PostgreSQL uses {@link PostgresSearch}.
 */
final class TermsSearch implements DocumentSearch {

    private final BoundedReads reads;

    TermsSearch(BoundedReads reads) {
        this.reads = Objects.requireNonNull(reads, "reads");
    }

    @Override
    public DocumentStore.SearchPage search(SearchQuery query, DocumentStore.Filter filter, int offset, int limit) {
        Sql.Where where = match(JdbcDocumentStore.filtered(filter), query.clauses());
        return reads.run("the search", connection -> {
            // ranked among what the caller may read: another owner's private text does not move the scores
            Sql.Where readable = JdbcDocumentStore.visible(JdbcDocumentStore.live(), filter.audience());
            long corpus = JdbcDocumentStore.count(connection, readable);
            List<String> scores = new ArrayList<>();
            List<Object> scoreParams = new ArrayList<>();
            for (SearchQuery.Clause clause : query.clauses()) {
                long matching = JdbcDocumentStore.count(connection,
                        match(JdbcDocumentStore.visible(JdbcDocumentStore.live(), filter.audience()), List.of(clause)));
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
            long total = JdbcDocumentStore.count(connection, where);
            String sql = "SELECT * FROM (SELECT " + JdbcDocumentStore.SUMMARY_COLUMNS + ", d.excerpt, " + String.join(" + ", scores)
                    + " AS score FROM documents d" + where.clause() + ") s "
                    + "ORDER BY ROUND(CAST(s.score AS NUMERIC), 6) DESC, s.id LIMIT ? OFFSET ?";
            List<DocumentStore.Hit> hits = Sql.list(connection, sql, Sql.concat(scoreParams, where.params(limit, offset)),
                    row -> new DocumentStore.Hit(JdbcDocumentStore.withoutContent(row), row.getDouble("score"), row.getString("excerpt")));
            return new DocumentStore.SearchPage(hits, total);
        });
    }

    /** Adds to {@code where} (over {@code documents d}) the conditions of containing every clause. */
    private static Sql.Where match(Sql.Where where, List<SearchQuery.Clause> clauses) {
        for (SearchQuery.Clause clause : clauses) {
            String contains = "%" + clause.pattern() + "%";
            where.and("(d.title_terms LIKE ? OR d.content_terms LIKE ?)", contains, contains);
        }
        return where;
    }

    /** Count of a pattern in a padded terms column; the pattern and its length are parameters. */
    private static String occurrences(String column) {
        return "(CAST(LENGTH(" + column + ") - LENGTH(REPLACE(" + column + ", ?, '')) AS DOUBLE PRECISION) / ?)";
    }
}
