package com.finehero.server.documents;

/**
 * The stored opening of a document's content that search snippets are cut from, so a page of results
 * reads a few KB per document instead of whole contents (up to the size limit). A match past the
 * excerpt is still found and ranked; its snippet shows the opening instead.
 */
final class Excerpts {

    /** Characters kept (UTF-16 code units); the migration that added the column cuts at the same length. */
    static final int CHARS = 16_384;

    private Excerpts() {
    }

    static String of(String content) {
        if (content.length() <= CHARS) {
            return content;
        }
        int end = Character.isHighSurrogate(content.charAt(CHARS - 1)) ? CHARS - 1 : CHARS;
        return content.substring(0, end);
    }
}
