package com.finehero.server.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.finehero.server.platform.errors.FineHeroException;

/**
 * A parsed search: every clause must match. {@code word} matches the term, {@code word*} any term
 * starting with it, {@code "a phrase"} the terms in a row. Case and accents are ignored.
 */
public record SearchQuery(List<Clause> clauses) {

    static final int MAX_CLAUSES = 12;
    /** A prefix is the costly clause (a scan of every term it may start), so a query has few of them. */
    static final int MAX_PREFIXES = 4;

    enum Kind { TERM, PREFIX, PHRASE }

    /** One clause: its kind and its normalised terms (one, or several for a phrase). */
    record Clause(Kind kind, List<String> terms) {
        /** The pattern that finds the clause in an indexed text. */
        String pattern() {
            return switch (kind) {
                case TERM -> " " + terms.getFirst() + " ";
                case PREFIX -> " " + terms.getFirst();
                case PHRASE -> " " + String.join(TextTerms.SEPARATOR, terms) + " ";
            };
        }

        /** The same clause as PostgreSQL tsquery text (terms are letters and digits only). */
        String tsquery() {
            return switch (kind) {
                case TERM -> terms.getFirst();
                case PREFIX -> terms.getFirst() + ":*";
                case PHRASE -> "(" + String.join(" <-> ", terms) + ")";
            };
        }

        boolean matches(List<TextTerms.Token> tokens, int at) {
            return switch (kind) {
                case TERM -> tokens.get(at).term().equals(terms.getFirst());
                case PREFIX -> tokens.get(at).term().startsWith(terms.getFirst());
                case PHRASE -> {
                    if (at + terms.size() > tokens.size()) {
                        yield false;
                    }
                    for (int k = 0; k < terms.size(); k++) {
                        if (!tokens.get(at + k).term().equals(terms.get(k))) {
                            yield false;
                        }
                    }
                    yield true;
                }
            };
        }

        /** How many tokens a match covers. */
        int width() {
            return kind == Kind.PHRASE ? terms.size() : 1;
        }
    }

    public static SearchQuery parse(String raw) {
        List<Clause> clauses = new ArrayList<>();
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '"') {
                int end = raw.indexOf('"', i + 1);
                String phrase = end < 0 ? raw.substring(i + 1) : raw.substring(i + 1, end);
                List<String> terms = TextTerms.tokens(phrase).stream().map(TextTerms.Token::term).toList();
                if (terms.size() == 1) {
                    clauses.add(new Clause(Kind.TERM, terms));
                } else if (terms.size() > 1) {
                    clauses.add(new Clause(Kind.PHRASE, terms));
                }
                i = end < 0 ? raw.length() : end + 1;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int end = i;
            while (end < raw.length() && !Character.isWhitespace(raw.charAt(end)) && raw.charAt(end) != '"') {
                end++;
            }
            String word = raw.substring(i, end);
            boolean prefix = word.endsWith("*");
            List<String> terms = TextTerms.tokens(word).stream().map(TextTerms.Token::term).toList();
            if (terms.size() > 1) {
                // "e-mail" or "7.2.22": the pieces in a row, as they are indexed
                clauses.add(new Clause(Kind.PHRASE, terms));
            } else if (terms.size() == 1) {
                clauses.add(new Clause(prefix ? Kind.PREFIX : Kind.TERM, terms));
            }
            i = end;
        }
        List<Clause> distinct = clauses.stream().distinct().toList();
        if (distinct.isEmpty()) {
            throw FineHeroException.invalidField("query", "has no words to search for");
        }
        if (distinct.size() > MAX_CLAUSES) {
            throw FineHeroException.invalidField("query", "has " + distinct.size() + " words or phrases; at most " + MAX_CLAUSES);
        }
        long prefixes = distinct.stream().filter(clause -> clause.kind() == Kind.PREFIX).count();
        if (prefixes > MAX_PREFIXES) {
            throw FineHeroException.invalidField("query", "has " + prefixes + " prefixes (word*); at most " + MAX_PREFIXES);
        }
        return new SearchQuery(distinct);
    }

    /** Canonical text for cache keys and page tokens. */
    String canonical() {
        return clauses.stream().map(c -> c.kind() + ":" + String.join(" ", c.terms())).sorted()
                .collect(Collectors.joining("|"));
    }
}
