package com.finehero.server.documents;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import com.finehero.server.platform.db.Dialect;
import com.finehero.server.platform.db.Sql;

/**
 * How a search finds the documents that contain every clause, and how a caller's query is bounded in
 * time, chosen once per database. Both test each clause with the same string functions over the
 * normalised terms; PostgreSQL first narrows the candidates through its GIN-indexed tsvector of those
 * terms (migration V3), which H2 does not have.
 */
final class DocumentSearchSql {

    /** The index condition, with the clauses as tsquery text for its parameter; null without such an index. */
    private final String narrowing;
    /** The statement that bounds later statements, with {@code %d} for the milliseconds. */
    private final String limit;
    /** The statement that lifts the bound again; null when it ends with the transaction. */
    private final String unlimit;

    private DocumentSearchSql(String narrowing, String limit, String unlimit) {
        this.narrowing = narrowing;
        this.limit = limit;
        this.unlimit = unlimit;
    }

    static DocumentSearchSql of(Dialect dialect) {
        return switch (dialect) {
            // SET LOCAL ends with the transaction, whatever happens in it
            case Dialect.PostgreSql() -> new DocumentSearchSql("d.search_vector @@ to_tsquery('simple', ?)",
                    "SET LOCAL statement_timeout = %d", null);
            // H2's timeout belongs to the session (the pooled connection), so it is lifted again
            case Dialect.H2() -> new DocumentSearchSql(null, "SET QUERY_TIMEOUT %d", "SET QUERY_TIMEOUT 0");
        };
    }

    /** Cancels each following statement of this transaction that runs longer than {@code timeout} (SQLSTATE 57014). */
    void limitStatements(Connection connection, Duration timeout) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(String.format(Locale.ROOT, limit, timeout.toMillis()));
        }
    }

    /** Undoes {@link #limitStatements} where it would outlive the transaction. */
    void unlimitStatements(Connection connection) throws SQLException {
        if (unlimit != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(unlimit);
            }
        }
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
