package com.finehero.server.fines;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.GetFineAnalyticsRequest;
import com.finehero.api.fines.v1.GetFineAnalyticsResponse;
import com.finehero.server.platform.db.Times;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/**
 * Renders a GetFineAnalytics answer as a PDF report: a title with the jurisdiction and range, a bar chart
 * of fines issued and paid per bucket (PDFBox vector operations), then tables per bucket and currency
 * (issued, paid and outstanding counts and amounts, collection rate), the top violation codes, and the
 * contest outcomes. The answer must be split by violation code (the per-bucket rows are its sums over
 * codes; counts and amounts add up, and rates are computed again from the sums).
 *
 * <p>Only the standard PDF fonts are used, so nothing is embedded; text outside their character set is
 * written as '?'.
 */
final class AnalyticsReportPdf {

    /** The page, and where page 1's chart sits (PDF points from the bottom-left corner). */
    static final PDRectangle PAGE = PDRectangle.A4;
    static final float MARGIN = 50;
    static final float CHART_BOTTOM = 520;
    static final float CHART_HEIGHT = 180;
    static final int TOP_CODES = 10;

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final float[] ISSUED = {0.20f, 0.40f, 0.80f};
    private static final float[] PAID = {0.06f, 0.59f, 0.09f};

    /** What the report's heading says besides the request's jurisdiction and range. */
    record Heading(String title, Instant generatedAt) {
        Heading {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(generatedAt, "generatedAt");
        }
    }

    private final PDType1Font regular = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
    private final PDType1Font bold = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);

    /**
     * Writes the report of {@code answer}, the response to {@code request}, to {@code out} (not closed).
     *
     * @throws IllegalArgumentException when the request did not split by violation code
     */
    void write(GetFineAnalyticsRequest request, GetFineAnalyticsResponse answer, Heading heading, OutputStream out) throws IOException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(heading, "heading");
        Objects.requireNonNull(out, "out");
        if (request.getGroupBy() != AnalyticsGroupBy.ANALYTICS_GROUP_BY_VIOLATION_CODE) {
            throw new IllegalArgumentException("groupBy: " + request.getGroupBy() + " (expected: ANALYTICS_GROUP_BY_VIOLATION_CODE)");
        }
        Map<String, Totals> buckets = new TreeMap<>();   // "yyyy-MM-dd currency" -> sums over codes
        Map<String, Totals> codes = new TreeMap<>();     // "code currency"
        Totals all = new Totals("", "");
        for (FineAnalyticsRow row : answer.getRowsList()) {
            String bucket = DAY.format(Times.toInstant(row.getBucketStart()));
            buckets.computeIfAbsent(bucket + " " + row.getCurrencyCode(), k -> new Totals(bucket, row.getCurrencyCode())).add(row);
            codes.computeIfAbsent(row.getGroup() + " " + row.getCurrencyCode(), k -> new Totals(row.getGroup(), row.getCurrencyCode())).add(row);
            all.add(row);
        }
        try (PDDocument document = new PDDocument()) {
            PDDocumentInformation info = document.getDocumentInformation();
            info.setTitle(safe(heading.title()));
            info.setCreator("FineHero");
            Writer page = new Writer(document);
            page.text(bold, 18, MARGIN, heading.title());
            page.down(22);
            String jurisdiction = request.getJurisdiction().isEmpty() ? "all jurisdictions" : "jurisdiction " + request.getJurisdiction();
            page.text(regular, 11, MARGIN, "Fines issued from " + DAY.format(Times.toInstant(request.getStartTime())) + " up to "
                    + DAY.format(Times.toInstant(request.getEndTime())) + " (exclusive), " + jurisdiction + ", per "
                    + request.getBucket().name().replace("ANALYTICS_BUCKET_", "").toLowerCase(Locale.ROOT) + " (UTC)");
            page.down(14);
            page.text(regular, 9, MARGIN, "Generated " + DateTimeFormatter.ISO_INSTANT.format(heading.generatedAt().truncatedTo(
                    java.time.temporal.ChronoUnit.SECONDS)) + ". Amounts of different currencies are never added.");
            chart(page, buckets, request.getBucket() == com.finehero.api.fines.v1.AnalyticsBucket.ANALYTICS_BUCKET_MONTH);

            page.moveTo(CHART_BOTTOM - 40);
            page.heading("Per " + request.getBucket().name().replace("ANALYTICS_BUCKET_", "").toLowerCase(Locale.ROOT));
            float[] columns = {MARGIN, 125, 165, 205, 255, 335, 415, 490};
            page.row(bold, columns, "Period", "Cur.", "Issued", "Paid", "Outstanding", "Issued amt", "Paid amt", "Collected");
            for (Totals t : buckets.values()) {
                page.row(regular, columns, t.label, t.currency, n(t.issuedN), n(t.paidN), n(t.outstandingN),
                        money(t.issuedAmount), money(t.paidAmount), t.collectionRate());
            }

            page.down(10);
            page.heading("Top violation codes (by fines issued)");
            float[] codeColumns = {MARGIN, 150, 200, 250, 310, 400, 490};
            page.row(bold, codeColumns, "Code", "Cur.", "Issued", "Paid", "Issued amt", "Paid amt", "Collected");
            List<Totals> top = new ArrayList<>(codes.values());
            top.sort(Comparator.comparingLong((Totals t) -> -t.issuedN).thenComparing(t -> t.label).thenComparing(t -> t.currency));
            for (Totals t : top.subList(0, Math.min(TOP_CODES, top.size()))) {
                page.row(regular, codeColumns, t.label.isEmpty() ? "(none)" : t.label, t.currency, n(t.issuedN), n(t.paidN),
                        money(t.issuedAmount), money(t.paidAmount), t.collectionRate());
            }

            page.down(10);
            page.heading("Contest outcomes");
            float[] contestColumns = {MARGIN, 200, 260};
            page.row(bold, contestColumns, "Outcome", "Fines", "Share");
            long ruled = all.dismissedN + all.upheldN;
            page.row(regular, contestColumns, "Contested", n(all.contestedN), "");
            page.row(regular, contestColumns, "Awaiting a ruling", n(all.contestedN - ruled), "");
            page.row(regular, contestColumns, "Dismissed (contest succeeded)", n(all.dismissedN), ruled == 0 ? "-" : percent((double) all.dismissedN / ruled));
            page.row(regular, contestColumns, "Upheld", n(all.upheldN), ruled == 0 ? "-" : percent((double) all.upheldN / ruled));
            page.close();
            document.save(out);
        }
    }

    /** Bars of fines issued and paid per bucket (all currencies counted together), with axis and legend. */
    private void chart(Writer page, Map<String, Totals> buckets, boolean monthly) throws IOException {
        Map<String, long[]> perBucket = new TreeMap<>();
        buckets.values().forEach(t -> {
            long[] counts = perBucket.computeIfAbsent(t.label, k -> new long[2]);
            counts[0] += t.issuedN;
            counts[1] += t.paidN;
        });
        PDPageContentStream sketch = page.stream;
        float left = MARGIN + 30;
        float width = PAGE.getWidth() - MARGIN - left;
        long max = Math.max(1, perBucket.values().stream().mapToLong(c -> c[0]).max().orElse(1));
        sketch.setStrokingColor(0.55f, 0.57f, 0.64f);
        sketch.setLineWidth(0.8f);
        sketch.moveTo(left, CHART_BOTTOM);
        sketch.lineTo(left + width, CHART_BOTTOM);
        sketch.moveTo(left, CHART_BOTTOM);
        sketch.lineTo(left, CHART_BOTTOM + CHART_HEIGHT);
        sketch.stroke();
        page.textAt(regular, 8, MARGIN, CHART_BOTTOM + CHART_HEIGHT - 8, n(max));
        page.textAt(regular, 8, MARGIN + 18, CHART_BOTTOM - 3, "0");
        int count = perBucket.size();
        float slot = width / Math.max(1, count);
        float bar = Math.max(1.5f, Math.min(18, slot * 0.35f));
        int labelEvery = Math.max(1, (int) Math.ceil(count / 12.0));
        int i = 0;
        for (Map.Entry<String, long[]> entry : perBucket.entrySet()) {
            float x = left + i * slot + slot / 2;
            for (int series = 0; series < 2; series++) {
                float h = entry.getValue()[series] / (float) max * CHART_HEIGHT;
                float[] color = series == 0 ? ISSUED : PAID;
                sketch.setNonStrokingColor(color[0], color[1], color[2]);
                sketch.addRect(series == 0 ? x - bar : x, CHART_BOTTOM, bar, h);
                sketch.fill();
            }
            if (i % labelEvery == 0) {
                page.textAt(regular, 7, x - 16, CHART_BOTTOM - 11, monthly ? entry.getKey().substring(0, 7) : entry.getKey().substring(5));
            }
            i++;
        }
        float legend = CHART_BOTTOM + CHART_HEIGHT + 8;
        sketch.setNonStrokingColor(ISSUED[0], ISSUED[1], ISSUED[2]);
        sketch.addRect(left, legend, 8, 8);
        sketch.fill();
        page.textAt(regular, 8, left + 11, legend + 1, "issued");
        sketch.setNonStrokingColor(PAID[0], PAID[1], PAID[2]);
        sketch.addRect(left + 50, legend, 8, 8);
        sketch.fill();
        page.textAt(regular, 8, left + 61, legend + 1, "paid");
    }

    private static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String money(long minor) {
        return String.format(Locale.ROOT, "%,d.%02d", minor / 100, Math.abs(minor % 100));
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    /** Text the standard fonts can show: printable ASCII and Latin-1 letters; anything else becomes '?'. */
    static String safe(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.append((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) ? (char) c : '?'));
        return out.toString();
    }

    /** Sums of one bucket or code in one currency. */
    private static final class Totals {
        final String label;
        final String currency;
        long issuedN;
        long issuedAmount;
        long paidN;
        long paidAmount;
        long outstandingN;
        long contestedN;
        long dismissedN;
        long dismissedAmount;
        long upheldN;

        Totals(String label, String currency) {
            this.label = label;
            this.currency = currency;
        }

        void add(FineAnalyticsRow row) {
            issuedN += row.getIssued().getCount();
            issuedAmount += row.getIssued().getAmount().getAmountMinor();
            paidN += row.getPaid().getCount();
            paidAmount += row.getPaid().getAmount().getAmountMinor();
            outstandingN += row.getOutstanding().getCount();
            contestedN += row.getContested().getCount();
            dismissedN += row.getDismissed().getCount();
            dismissedAmount += row.getDismissed().getAmount().getAmountMinor();
            upheldN += row.getUpheld().getCount();
        }

        /** As GetFineAnalytics defines it: paid / (issued - dismissed), by amount. */
        String collectionRate() {
            long owed = issuedAmount - dismissedAmount;
            return owed > 0 ? percent((double) paidAmount / owed) : "-";
        }
    }

    /** Writes lines top to bottom, starting a new page when the current one is full. */
    private final class Writer {
        private final PDDocument document;
        PDPageContentStream stream;
        private float y;

        Writer(PDDocument document) throws IOException {
            this.document = document;
            newPage();
        }

        private void newPage() throws IOException {
            if (stream != null) {
                stream.close();
            }
            PDPage page = new PDPage(PAGE);
            document.addPage(page);
            stream = new PDPageContentStream(document, page);
            y = PAGE.getHeight() - MARGIN;
        }

        void down(float points) throws IOException {
            y -= points;
            if (y < MARGIN) {
                newPage();
            }
        }

        void moveTo(float to) {
            y = to;
        }

        void text(PDType1Font font, float size, float x, String text) throws IOException {
            textAt(font, size, x, y, text);
        }

        void textAt(PDType1Font font, float size, float x, float at, String text) throws IOException {
            stream.beginText();
            stream.setNonStrokingColor(0.11f, 0.14f, 0.19f);
            stream.setFont(font, size);
            stream.newLineAtOffset(x, at);
            stream.showText(safe(text));
            stream.endText();
        }

        void heading(String text) throws IOException {
            down(20);
            text(bold, 12, MARGIN, text);
            down(4);
        }

        void row(PDType1Font font, float[] columns, String... cells) throws IOException {
            down(13);
            for (int i = 0; i < cells.length; i++) {
                text(font, 9, columns[i], cells[i]);
            }
            stream.setStrokingColor(0.9f, 0.91f, 0.93f);
            stream.setLineWidth(0.5f);
            stream.moveTo(MARGIN, y - 3);
            stream.lineTo(PAGE.getWidth() - MARGIN, y - 3);
            stream.stroke();
        }

        void close() throws IOException {
            stream.close();
        }
    }
}
