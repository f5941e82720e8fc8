package com.finehero.server.documents;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How FineHero splits text into search terms: runs of letters and digits, case-folded, accents
 * removed ("Règlement" -> "reglement", "Straße" -> "strasse"). The stored form pads every term with its own spaces
 * ({@code "  no  parking  zone  "}), so SQL can count a term as {@code " term "}, a prefix as
 * {@code " pre"} and a phrase as {@code " no  parking "} with plain string functions that PostgreSQL
 * and H2 evaluate the same way.
 */
final class TextTerms {

    static final String SEPARATOR = "  ";
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    /** A term and where its run of characters stands in the original text (UTF-16 offsets). */
    record Token(String term, int start, int end) { }

    private TextTerms() {
    }

    static List<Token> tokens(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int length = text.length();
        while (i < length) {
            int codePoint = text.codePointAt(i);
            if (!Character.isLetterOrDigit(codePoint)) {
                i += Character.charCount(codePoint);
                continue;
            }
            int start = i;
            while (i < length) {
                int c = text.codePointAt(i);
                if (!Character.isLetterOrDigit(c) && Character.getType(c) != Character.NON_SPACING_MARK) {
                    break;
                }
                i += Character.charCount(c);
            }
            String term = normalise(text.substring(start, i));
            if (!term.isEmpty()) {
                tokens.add(new Token(term, start, i));
            }
        }
        return tokens;
    }

    static String normalise(String word) {
        if (isAsciiAlphanumeric(word)) {
            // the common case, and the same answer: NFKD leaves ASCII alone and case folds to lower case
            return word.toLowerCase(Locale.ROOT);
        }
        String decomposed = Normalizer.normalize(word, Normalizer.Form.NFKD);
        StringBuilder out = new StringBuilder(decomposed.length());
        // upper then lower folds case fully: "Straße" and "STRASSE" both become "strasse"
        String stripped = MARKS.matcher(decomposed).replaceAll("").toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        stripped.codePoints().filter(Character::isLetterOrDigit).forEach(out::appendCodePoint);
        return out.toString();
    }

    /** How many terms a stored form ({@link #indexed}) holds: each takes two of its spaces, and two more pad it. */
    static int count(String indexed) {
        int spaces = 0;
        for (int i = 0; i < indexed.length(); i++) {
            if (indexed.charAt(i) == ' ') {
                spaces++;
            }
        }
        return (spaces - 2) / 2;
    }

    private static boolean isAsciiAlphanumeric(String word) {
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** The stored form of a text: every term padded by spaces. */
    static String indexed(String text) {
        List<Token> tokens = tokens(text);
        StringBuilder out = new StringBuilder(text.length() + 2 * tokens.size() + 2);
        out.append(' ');
        for (Token token : tokens) {
            out.append(' ').append(token.term()).append(' ');
        }
        out.append(' ');
        return out.toString();
    }
}
