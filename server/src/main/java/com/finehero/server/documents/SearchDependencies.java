package com.finehero.server.documents;

import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.finehero.api.documents.v1.Document;

/**
 * Which cached search pages a document write can change. A search matches only documents that contain
 * every one of its clauses, so its page can change only when a document containing one chosen clause is
 * written: the page depends on that clause's term (its longest, the likeliest to be rare) within the
 * jurisdiction filter it asked for ({@code *} for none), or for a query of prefixes only on the first
 * letter of its longest prefix. A write touches every term and first letter of the document's old and new
 * title and content, each under its jurisdiction and under {@code *}.
 *
 * <p>What stays cached: the matches, their count and their order depend only on the documents that
 * contain the terms, except that the embedded engine's BM25 weighs terms by corpus-wide statistics,
 * which an unrelated write moves a little; such a page keeps its scores until its TTL.
 */
final class SearchDependencies {

    /** Above this many, a write moves every search page instead (a whole code rewritten). */
    static final int MAX_PER_WRITE = 8_000;

    private SearchDependencies() {
    }

    /** The dependency of a search's pages. */
    static String of(SearchQuery query, String jurisdiction) {
        String scope = "@" + (jurisdiction.isEmpty() ? "*" : jurisdiction);
        String longestTerm = null;
        String longestPrefix = null;
        for (SearchQuery.Clause clause : query.clauses()) {
            for (String term : clause.terms()) {
                if (clause.kind() == SearchQuery.Kind.PREFIX) {
                    longestPrefix = longestPrefix == null || term.length() > longestPrefix.length() ? term : longestPrefix;
                } else {
                    longestTerm = longestTerm == null || term.length() > longestTerm.length() ? term : longestTerm;
                }
            }
        }
        return longestTerm != null ? "t:" + longestTerm + scope : "^" + longestPrefix.codePointAt(0) + scope;
    }

    /** What writing these versions of documents touches; empty when it is more than {@link #MAX_PER_WRITE}. */
    static Optional<Set<String>> touched(Collection<Document> versions) {
        Set<String> touched = new HashSet<>();
        for (Document document : versions) {
            String jurisdiction = "@" + document.getJurisdiction().toUpperCase(Locale.ROOT);
            Set<String> terms = new HashSet<>();
            for (String text : new String[] {document.getTitle(), document.getContent()}) {
                TextTerms.tokens(text).forEach(token -> terms.add(token.term()));
            }
            for (String term : terms) {
                for (String scope : new String[] {"@*", jurisdiction}) {
                    touched.add("t:" + term + scope);
                    touched.add("^" + term.codePointAt(0) + scope);
                }
            }
            if (touched.size() > MAX_PER_WRITE) {
                return Optional.empty();
            }
        }
        return Optional.of(touched);
    }
}
