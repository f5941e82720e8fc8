package com.finehero.server.documents;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import com.finehero.server.platform.db.Sql;

/**
 * Search on PostgreSQL: one statement matches through the GIN-indexed {@code search_vector} (title terms
 * weighted A, content terms D; migration V17), ranks with {@code ts_rank_cd} (cover density, divided by
 * the document's number of terms so long texts do not win by length and repetition), counts the matches and
 * keeps one page in the database; only that page's summaries and excerpts leave it. No string work per
 * matching document.
 *
 * <p>What the vector cannot say exactly: PostgreSQL keeps at most 256 positions per term and none past
 * position 16,383, so a phrase deep inside a very long document may be missed; and a phrase may run from
 * the title's last terms into the content's first.
 */
final class PostgresSearch implements DocumentSearch {

    /**
     * Cover density divided by the document's number of terms, stored at write time ({@code term_count}):
     * ts_rank_cd's documented normalisation 2 (rank / document length) without counting the vector's positions
     * again for every match. Cover density grows with every repetition, so a gentler divisor (1 + log of the
     * length, or its square root) lets long chapters that mention a topic many times in passing outrank the
     * short section about it (JudgedSearchTest).
     */
    private static final String RANK = "ts_rank_cd(d.search_vector, to_tsquery('simple', ?)) / GREATEST(d.term_count, 1)";

    private final BoundedReads reads;

    PostgresSearch(BoundedReads reads) {
        this.reads = Objects.requireNonNull(reads, "reads");
    }

    /** The query as tsquery text: every clause must match (terms are letters and digits only). */
    static String tsquery(SearchQuery query) {
        return query.clauses().stream().map(SearchQuery.Clause::tsquery).collect(Collectors.joining(" & "));
    }

    @Override
    public DocumentStore.SearchPage search(SearchQuery query, DocumentStore.Filter filter, int offset, int limit) {
        String tsquery = tsquery(query);
        Sql.Where where = JdbcDocumentStore.filtered(filter).and("d.search_vector @@ to_tsquery('simple', ?)", tsquery);
        // innermost: the matches' ids and scores (OFFSET 0 keeps the planner from merging it upwards, which would carry
        // each vector into the window's buffer); then the count over all of them and the page; the outer join reads only
        // the page's rows
        String sql = "SELECT " + JdbcDocumentStore.SUMMARY_COLUMNS + ", d.excerpt, h.score, h.total FROM ("
                + "SELECT s.id, s.score, COUNT(*) OVER () AS total FROM ("
                + "SELECT d.id, " + RANK + " AS score FROM documents d" + where.clause() + " OFFSET 0) s"
                + " ORDER BY s.score DESC, s.id LIMIT ? OFFSET ?) h JOIN documents d ON d.id = h.id ORDER BY h.score DESC, h.id";
        return reads.run("the search", connection -> {
            long[] total = {0};
            List<DocumentStore.Hit> hits = Sql.list(connection, sql, Sql.concat(List.of(tsquery), where.params(limit, offset)), row -> {
                total[0] = row.getLong("total");
                return new DocumentStore.Hit(JdbcDocumentStore.withoutContent(row), row.getDouble("score"), row.getString("excerpt"));
            });
            if (hits.isEmpty() && offset > 0) {
                total[0] = JdbcDocumentStore.count(connection, where); // a page past the end still says how many there are
            }
            return new DocumentStore.SearchPage(hits, total[0]);
        });
    }
}
