package com.finehero.client.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Text from the server (titles, document content, error messages, task progress) printed to a terminal
 * without its control characters. An escape sequence in a stored document could otherwise move the
 * cursor, rewrite lines already shown, change the window title or, on some terminals, answer back
 * into the input. Line feeds and tabs stay; every other control character (C0, DEL, C1) and the
 * invisible bidirectional overrides that reorder what a reader sees become {@code U+FFFD}.
 */
final class TerminalText {

    static final char REPLACEMENT = '\uFFFD';

    private TerminalText() {
    }

    static boolean unsafe(int c) {
        if (c == '\n' || c == '\t') {
            return false;
        }
        return Character.getType(c) == Character.CONTROL
                || (c >= '\u202A' && c <= '\u202E')
                || (c >= '\u2066' && c <= '\u2069');
    }

    static String clean(String text) {
        if (text == null || text.chars().noneMatch(TerminalText::unsafe)) {
            return text;
        }
        StringBuilder cleaned = new StringBuilder(text.length());
        text.chars().forEach(c -> cleaned.append(unsafe(c) ? REPLACEMENT : (char) c));
        return cleaned.toString();
    }

    /** A writer over {@code out} that cleans everything written through it and flushes at each line. */
    static PrintWriter cleaning(PrintWriter out) {
        return new PrintWriter(new Cleaning(out), true);
    }

    private static final class Cleaning extends FilterWriter {

        Cleaning(Writer out) {
            super(out);
        }

        @Override
        public void write(int c) throws IOException {
            out.write(unsafe(c) ? REPLACEMENT : c);
        }

        @Override
        public void write(char[] buffer, int offset, int length) throws IOException {
            write(new String(buffer, offset, length), 0, length);
        }

        @Override
        public void write(String text, int offset, int length) throws IOException {
            out.write(clean(text.substring(offset, offset + length)));
        }
    }
}
