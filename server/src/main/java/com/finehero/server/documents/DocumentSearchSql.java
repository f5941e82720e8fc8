package com.finehero.server.documents;

import java.util.List;
import java.util.stream.Collectors;

import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.db.Sql;

/**
 * How a search finds the documents that contain every clause, chosen once per database. Both test
 * each clause with the same string functions over the normalised terms; PostgreSQL first narrows the
 * candidates through its GIN-indexed tsvector of those terms (migration V3), which H2 does not have.
 */
final class DocumentSearchSql {

    /** The index condition, with the clauses as tsquery text for its parameter; null without such an index. */
    private final String narrowing;

    private DocumentSearchSql(String narrowing) {
        this.narrowing = narrowing;
    }

    static DocumentSearchSql of(Dialect dialect) {
        return switch (dialect) {
            case Dialect.PostgreSql() -> new DocumentSearchSql("d.search_vector @@ to_tsquery('simple', ?)");
            case Dialect.H2() -> new DocumentSearchSql(null);
        };
    }

    /** Adds to {@code where} (over {@code documents d}) the conditions of containing every clause. */
    Sql.Where match(Sql.Where where, List<SearchQuery.Clause> clauses) {
        if (narrowing != null) {
            where.and(narrowing, clauses.stream().map(SearchQuery.Clause::tsquery).collect(Collectors.joining(" & ")));
        }
        for (SearchQuery.Clause clause : clauses) {
            // the exact test, the same on both databases (on PostgreSQL the index above already narrowed it)
            String contains = "%" + clause.pattern() + "%";
            where.and("(d.title_terms LIKE ? OR d.content_terms LIKE ?)", contains, contains);
        }
        return where;
    }
}
