package com.finehero.server.fines;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.AnalyticsBucket;
import com.finehero.api.fines.v1.AnalyticsGroupBy;
import com.finehero.api.fines.v1.FineAnalyticsMeasure;
import com.finehero.api.fines.v1.FineAnalyticsRow;
import com.finehero.api.fines.v1.GetFineAnalyticsRequest;
import com.finehero.api.fines.v1.GetFineAnalyticsResponse;
import com.finehero.server.platform.db.Times;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The analytics PDF of a known answer: two months of US-CA by violation code, in euros. Its text must
 * carry the figures, and page 1 rendered to PNG (kept as target/analytics-report.png) must show the chart.
 * <pre>
 *   2026-01  P1  issued 3 (150.00)  paid 2 (100.00)  outstanding 1
 *   2026-01  P2  issued 2 (80.00)   paid 0           outstanding 1   contested 2, dismissed 1 (40.00)
 *   2026-02  P1  issued 4 (200.00)  paid 1 (50.00)   outstanding 3   contested 1, upheld 1
 * </pre>
 */
class AnalyticsReportPdfTest {

    static final Instant JANUARY = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant FEBRUARY = Instant.parse("2026-02-01T00:00:00Z");

    static FineAnalyticsMeasure measure(long count, long minor) {
        return FineAnalyticsMeasure.newBuilder().setCount(count)
                .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(minor)).build();
    }

    static FineAnalyticsRow row(Instant bucket, String code, long issued, long issuedMinor, long paid, long paidMinor,
                                long outstanding, long contested, long dismissed, long dismissedMinor, long upheld) {
        return FineAnalyticsRow.newBuilder().setBucketStart(Times.toProto(bucket)).setGroup(code).setCurrencyCode("EUR")
                .setIssued(measure(issued, issuedMinor)).setPaid(measure(paid, paidMinor))
                .setOutstanding(measure(outstanding, 0)).setContested(measure(contested, 0))
                .setDismissed(measure(dismissed, dismissedMinor)).setUpheld(measure(upheld, 0)).build();
    }

    static final GetFineAnalyticsRequest REQUEST = GetFineAnalyticsRequest.newBuilder()
            .setStartTime(Times.toProto(JANUARY)).setEndTime(Times.toProto(Instant.parse("2026-03-01T00:00:00Z")))
            .setBucket(AnalyticsBucket.ANALYTICS_BUCKET_MONTH).setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_VIOLATION_CODE)
            .setJurisdiction("US-CA").build();
    static final GetFineAnalyticsResponse ANSWER = GetFineAnalyticsResponse.newBuilder()
            .addRows(row(JANUARY, "P1", 3, 15000, 2, 10000, 1, 0, 0, 0, 0))
            .addRows(row(JANUARY, "P2", 2, 8000, 0, 0, 1, 2, 1, 4000, 0))
            .addRows(row(FEBRUARY, "P1", 4, 20000, 1, 5000, 3, 1, 0, 0, 1))
            .build();

    @Test
    void theReportCarriesTheFiguresAndAChart() throws Exception {
        ByteArrayOutputStream pdf = new ByteArrayOutputStream();
        new AnalyticsReportPdf().write(REQUEST, ANSWER, new AnalyticsReportPdf.Heading("Fine analytics", Instant.parse("2026-03-02T08:00:00Z")), pdf);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "analytics-report.pdf"), pdf.toByteArray());

        try (PDDocument document = Loader.loadPDF(pdf.toByteArray())) {
            String text = new PDFTextStripper().getText(document);
            assertThat(text).contains("Fine analytics")
                    .contains("Fines issued from 2026-01-01 up to 2026-03-01 (exclusive), jurisdiction US-CA, per month (UTC)");
            // January: P1 and P2 together; collected 100.00 of 230.00 - 40.00 dismissed
            assertThat(text).containsPattern("2026-01-01\\s+EUR\\s+5\\s+2\\s+2\\s+230\\.00\\s+100\\.00\\s+52\\.6%");
            assertThat(text).containsPattern("2026-02-01\\s+EUR\\s+4\\s+1\\s+3\\s+200\\.00\\s+50\\.00\\s+25\\.0%");
            // codes by fines issued: P1 7 over both months, then P2 2
            java.util.regex.Matcher p1 = java.util.regex.Pattern.compile("P1\\s+EUR\\s+7\\s+3\\s+350\\.00\\s+150\\.00\\s+42\\.9%").matcher(text);
            java.util.regex.Matcher p2 = java.util.regex.Pattern.compile("P2\\s+EUR\\s+2\\s+0\\s+80\\.00\\s+0\\.00\\s+0\\.0%").matcher(text);
            assertThat(p1.find()).as("P1's line").isTrue();
            assertThat(p2.find()).as("P2's line").isTrue();
            assertThat(p1.start()).as("the code with more fines first").isLessThan(p2.start());
            assertThat(text).containsPattern("Contested\\s+3").containsPattern("Awaiting a ruling\\s+1")
                    .containsPattern("Dismissed \\(contest succeeded\\)\\s+1\\s+50\\.0%").containsPattern("Upheld\\s+1\\s+50\\.0%");

            BufferedImage page = new PDFRenderer(document).renderImageWithDPI(0, 72);
            Path png = Path.of("target", "analytics-report.png");
            javax.imageio.ImageIO.write(page, "png", png.toFile());
            assertThat(png).exists();
            // the chart's area, in image pixels (72 dpi: one pixel per point, y from the top)
            int top = (int) (AnalyticsReportPdf.PAGE.getHeight() - AnalyticsReportPdf.CHART_BOTTOM - AnalyticsReportPdf.CHART_HEIGHT);
            int bottom = (int) (AnalyticsReportPdf.PAGE.getHeight() - AnalyticsReportPdf.CHART_BOTTOM);
            int blue = 0;
            int green = 0;
            for (int y = top; y < bottom; y++) {
                for (int x = (int) AnalyticsReportPdf.MARGIN; x < page.getWidth() - AnalyticsReportPdf.MARGIN; x++) {
                    int rgb = page.getRGB(x, y);
                    int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                    blue += b > 150 && r < 100 ? 1 : 0;
                    green += g > 120 && r < 60 && b < 60 ? 1 : 0;
                }
            }
            assertThat(blue).as("issued bars drawn").isGreaterThan(500);
            assertThat(green).as("paid bars drawn").isGreaterThan(100);
        }
    }

    @Test
    void anAnswerNotSplitByViolationCodeIsRefused() {
        assertThatThrownBy(() -> new AnalyticsReportPdf().write(REQUEST.toBuilder().setGroupBy(AnalyticsGroupBy.ANALYTICS_GROUP_BY_STATUS).build(),
                ANSWER, new AnalyticsReportPdf.Heading("x", Instant.EPOCH), new ByteArrayOutputStream()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ANALYTICS_GROUP_BY_VIOLATION_CODE");
    }
}
