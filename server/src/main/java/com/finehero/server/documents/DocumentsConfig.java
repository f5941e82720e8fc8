package com.finehero.server.documents;

import java.time.Duration;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * {@code finehero.documents.*}.
 *
 * @param maxBytes        largest text content (create, update, a text upload, the text kept from a PDF)
 * @param queryTimeout    longest a caller's list or search statement may run
 * @param maxUploadBytes  largest PDF upload (the original file)
 * @param pdf             what one PDF may cost to read
 */
public record DocumentsConfig(int maxBytes, Duration queryTimeout, int maxUploadBytes, PdfLimits pdf) {

    /**
     * {@code finehero.documents.pdf.*}: a PDF past any of these is refused (RESOURCE_EXHAUSTED, PDF_TOO_COMPLEX).
     *
     * @param maxPages          pages
     * @param maxObjects        objects in its cross-reference table
     * @param maxExpandedBytes  what its Flate streams decode to in all
     * @param extractTimeout    longest its text may take to extract
     */
    public record PdfLimits(int maxPages, int maxObjects, long maxExpandedBytes, Duration extractTimeout) {
    }

    public static DocumentsConfig from(Config node) {
        Config pdf = node.get("pdf");
        return new DocumentsConfig(
                ConfigValues.intInRange(node, "max-bytes", 1024, 64 * 1024 * 1024),
                ConfigValues.duration(node, "query-timeout"),
                ConfigValues.intInRange(node, "max-upload-bytes", 1024, 1024 * 1024 * 1024),
                new PdfLimits(
                        ConfigValues.intInRange(pdf, "max-pages", 1, 1_000_000),
                        ConfigValues.intInRange(pdf, "max-objects", 10, 100_000_000),
                        ConfigValues.intInRange(pdf, "max-expanded-bytes", 1024 * 1024, Integer.MAX_VALUE),
                        ConfigValues.duration(pdf, "extract-timeout")));
    }
}
