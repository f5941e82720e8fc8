package com.finehero.server.documents;

import java.util.ArrayList;
import java.util.List;

import com.finehero.api.documents.v1.Highlight;
import com.finehero.api.documents.v1.Snippet;

/** A passage of a document around its first match, with every match in it marked by offsets. */
final class Snippets {

    static final int WIDTH = 240;

    private Snippets() {
    }

    static Snippet of(String content, SearchQuery query) {
        return of(content, query, false);
    }

    /**
     * The snippet; {@code paged}: the content is a PDF's pages separated by form feeds, and the snippet says
     * on which page its first match is.
     */
    static Snippet of(String content, SearchQuery query, boolean paged) {
        List<TextTerms.Token> tokens = TextTerms.tokens(content);
        List<int[]> matches = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            for (SearchQuery.Clause clause : query.clauses()) {
                if (clause.matches(tokens, i)) {
                    matches.add(new int[] {tokens.get(i).start(), tokens.get(i + clause.width() - 1).end()});
                    break;
                }
            }
        }
        if (matches.isEmpty()) {
            // the match was in the title: show the opening of the content
            return Snippet.newBuilder().setText(cut(content, 0, Math.min(content.length(), WIDTH))).build();
        }
        int first = matches.getFirst()[0];
        int start = Math.max(0, first - WIDTH / 3);
        int end = Math.min(content.length(), start + WIDTH);
        start = wordStart(content, start);
        end = wordEnd(content, end);
        Snippet.Builder snippet = Snippet.newBuilder();
        if (paged) {
            snippet.setPage(1 + (int) content.substring(0, first).chars().filter(c -> c == '\f').count());
        }
        String text = cut(content, start, end);
        int shift = start > 0 ? 1 - start : -start; // the leading ellipsis takes one char
        snippet.setText(text);
        for (int[] match : matches) {
            if (match[0] >= start && match[1] <= end) {
                snippet.addHighlights(Highlight.newBuilder().setStart(match[0] + shift).setEnd(match[1] + shift));
            }
        }
        return snippet.build();
    }

    private static String cut(String content, int start, int end) {
        String text = content.substring(start, end).replaceAll("\\s", " ");
        return (start > 0 ? "…" : "") + text + (end < content.length() ? "…" : "");
    }

    private static int wordStart(String content, int index) {
        int i = index;
        while (i > 0 && i > index - 20 && !Character.isWhitespace(content.charAt(i - 1))) {
            i--;
        }
        if (i > 0 && Character.isLowSurrogate(content.charAt(i))) {
            i--;
        }
        return i;
    }

    private static int wordEnd(String content, int index) {
        int i = index;
        while (i < content.length() && i < index + 20 && !Character.isWhitespace(content.charAt(i))) {
            i++;
        }
        if (i < content.length() && Character.isLowSurrogate(content.charAt(i))) {
            i++;
        }
        return i;
    }
}
