package com.finehero.server.documents;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

import com.finehero.server.platform.errors.FineHeroException;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.contentstream.operator.Operator;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDocument;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * The text of an uploaded PDF, page by page, read from its spooled file within {@link DocumentsConfig.PdfLimits}:
 * a file that is not a PDF is INVALID_ARGUMENT (NOT_A_PDF), one that needs a password FAILED_PRECONDITION
 * (PDF_ENCRYPTED), one past a limit RESOURCE_EXHAUSTED (PDF_TOO_COMPLEX). A PDF that opens without a password
 * (encrypted with an owner password only) is read like any other.
 */
final class PdfText {

    /** Where the PDF header may start: the specification lets readers accept it within the first 1024 bytes. */
    private static final int HEADER_WINDOW = 1024;
    /** Decoded stream data kept in memory before PDFBox moves it to temporary files. */
    private static final long IN_MEMORY = 8L * 1024 * 1024;
    /** Operators between two looks at the clock (a look costs more than an operator). */
    private static final int CLOCK_EVERY = 256;

    private PdfText() {
    }

    /** The pages' text in order, cut to the text limit, and the number of pages. */
    record Extracted(List<String> pages, int pageCount) {

        /** The pages separated by form feeds, as the document's content. */
        String text() {
            return String.join("\f", pages);
        }

        /** No page has a letter or digit: a scan or images only. */
        boolean noText() {
            return pages.stream().allMatch(page -> page.codePoints().noneMatch(Character::isLetterOrDigit));
        }
    }

    /** Whether the file starts, within its first 1024 bytes, with the PDF header. */
    static boolean looksLikePdf(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEADER_WINDOW);
        }
        return new String(head, StandardCharsets.ISO_8859_1).contains("%PDF-");
    }

    static Extracted extract(Path file, DocumentsConfig.PdfLimits limits, int maxTextBytes) {
        try {
            if (!looksLikePdf(file)) {
                throw notAPdf("the content does not start with a PDF header (%PDF-)");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + limits.extractTimeout().toNanos();
        MemoryUsageSetting memory = MemoryUsageSetting.setupMixed(Math.min(IN_MEMORY, limits.maxExpandedBytes()),
                limits.maxExpandedBytes());
        try (PDDocument pdf = Loader.loadPDF(file.toFile(), "", memory.streamCache)) {
            int objects = pdf.getDocument().getXrefTable().size();
            if (objects > limits.maxObjects()) {
                throw tooComplex("the PDF has " + objects + " objects; the limit is " + limits.maxObjects()
                        + " (finehero.documents.pdf.max-objects)");
            }
            checkExpandedSize(pdf, limits, deadline);
            int pageCount = pdf.getNumberOfPages();
            if (pageCount == 0) {
                throw notAPdf("the PDF has no pages");
            }
            if (pageCount > limits.maxPages()) {
                throw tooComplex("the PDF has " + pageCount + " pages; the limit is " + limits.maxPages()
                        + " (finehero.documents.pdf.max-pages)");
            }
            Stripper stripper = new Stripper(deadline, maxTextBytes);
            try {
                stripper.writeText(pdf, new StringWriter());
            } catch (Stripper.Enough enough) {
                // the text limit is reached: what was read so far is kept
            }
            return new Extracted(List.copyOf(stripper.pages), pageCount);
        } catch (InvalidPasswordException e) {
            throw new FineHeroException.FailedPrecondition("PDF_ENCRYPTED",
                    "the PDF is protected by a password; upload it without encryption");
        } catch (Stripper.TooSlow e) {
            throw tooComplex("reading the PDF's text took longer than " + limits.extractTimeout()
                    + " (finehero.documents.pdf.extract-timeout)");
        } catch (StackOverflowError e) {
            throw tooComplex("the PDF's structure is nested too deeply to read");
        } catch (IOException e) {
            // PDFBox says so only in its message: its buffers outgrew the scratch space allowed
            if (String.valueOf(e.getMessage()).contains("scratch file memory exceeded")) {
                throw tooComplex("the PDF's decoded content exceeds " + limits.maxExpandedBytes()
                        + " bytes (finehero.documents.pdf.max-expanded-bytes)");
            }
            throw notAPdf("the content is not a readable PDF");
        } catch (FineHeroException e) {
            throw e;
        } catch (RuntimeException e) {
            // PDFBox meets some damaged files with unchecked exceptions (casts, indexes): the file is the problem
            throw notAPdf("the content is not a readable PDF");
        }
    }

    /**
     * Inflates every Flate-encoded stream into a counter before PDFBox decodes any (it decodes a stream whole,
     * in memory): a PDF whose streams decode to more than the limit in all is refused unread. A 50 MiB
     * upload can otherwise inflate to tens of GB. Other filters are left to PDFBox.
     */
    private static void checkExpandedSize(PDDocument pdf, DocumentsConfig.PdfLimits limits, long deadline) throws IOException {
        COSDocument cos = pdf.getDocument();
        long left = limits.maxExpandedBytes();
        byte[] sink = new byte[64 * 1024];
        for (COSObjectKey key : List.copyOf(cos.getXrefTable().keySet())) {
            if (System.nanoTime() - deadline > 0) {
                throw new Stripper.TooSlow();
            }
            COSObject object = cos.getObjectFromPool(key);
            if (!(object.getObject() instanceof COSStream stream) || !flateFirst(stream.getFilters())) {
                continue;
            }
            try (InputStream in = new InflaterInputStream(stream.createRawInputStream())) {
                int n;
                while ((n = in.read(sink)) > 0) {
                    left -= n;
                    if (left < 0) {
                        throw tooComplex("the PDF's streams decode to more than " + limits.maxExpandedBytes()
                                + " bytes (finehero.documents.pdf.max-expanded-bytes)");
                    }
                }
            } catch (ZipException e) {
                // a damaged stream: PDFBox reads what it can of it, as any reader does
            }
        }
    }

    private static boolean flateFirst(COSBase filters) {
        COSBase first = filters instanceof COSArray array && array.size() > 0 ? array.getObject(0) : filters;
        return COSName.FLATE_DECODE.equals(first) || COSName.FLATE_DECODE_ABBREVIATION.equals(first);
    }

    private static FineHeroException notAPdf(String message) {
        return new FineHeroException.InvalidArgument("NOT_A_PDF", message + " (content_type application/pdf)",
                List.of(new FineHeroException.FieldViolation("chunk", message)));
    }

    private static FineHeroException tooComplex(String message) {
        return new FineHeroException.ResourceExhausted("PDF_TOO_COMPLEX", message);
    }

    /** Collects each page's text as the page ends; looks at the clock while it reads operators. */
    private static final class Stripper extends PDFTextStripper {

        /** The text limit is reached; stops the reading. */
        static final class Enough extends RuntimeException {
            Enough() {
                super(null, null, false, false);
            }
        }

        /** The extraction deadline has passed. */
        static final class TooSlow extends RuntimeException {
            TooSlow() {
                super(null, null, false, false);
            }
        }

        private final long deadline;
        private final int maxTextBytes;
        private final List<String> pages = new ArrayList<>();
        private int textBytes;
        private int sincePageStart;
        private int operators;

        Stripper(long deadline, int maxTextBytes) {
            this.deadline = deadline;
            this.maxTextBytes = maxTextBytes;
        }

        @Override
        protected void startPage(PDPage page) throws IOException {
            checkClock();
            sincePageStart = ((StringWriter) output).getBuffer().length();
            super.startPage(page);
        }

        @Override
        protected void endPage(PDPage page) throws IOException {
            super.endPage(page);
            StringBuffer buffer = ((StringWriter) output).getBuffer();
            String text = clean(buffer.substring(sincePageStart));
            buffer.setLength(0);
            sincePageStart = 0;
            int bytes = utf8Length(text) + (pages.isEmpty() ? 0 : 1);
            if (textBytes + bytes > maxTextBytes) {
                pages.add(cut(text, maxTextBytes - textBytes - (pages.isEmpty() ? 0 : 1)));
                throw new Enough();
            }
            textBytes += bytes;
            pages.add(text);
        }

        @Override
        protected void processOperator(Operator operator, List<COSBase> operands) throws IOException {
            if (++operators % CLOCK_EVERY == 0) {
                checkClock();
            }
            super.processOperator(operator, operands);
        }

        private void checkClock() {
            if (System.nanoTime() - deadline > 0) {
                throw new TooSlow();
            }
        }

        /**
         * Drops control characters but line breaks and tabs: the form feed separates pages, and PostgreSQL
         * text cannot hold NUL.
         */
        private static String clean(String text) {
            StringBuilder kept = new StringBuilder(text.length());
            text.codePoints().forEach(c -> {
                if (c == '\n' || c == '\t' || !Character.isISOControl(c)) {
                    kept.appendCodePoint(c);
                }
            });
            return kept.toString().strip();
        }

        private static int utf8Length(String text) {
            return text.getBytes(StandardCharsets.UTF_8).length;
        }

        /** The longest start of {@code text} that fits in {@code bytes} UTF-8 bytes, whole code points only. */
        private static String cut(String text, int bytes) {
            int used = 0;
            int end = 0;
            while (end < text.length()) {
                int c = text.codePointAt(end);
                int size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
                if (used + size > bytes) {
                    break;
                }
                used += size;
                end += Character.charCount(c);
            }
            return text.substring(0, end);
        }
    }
}
