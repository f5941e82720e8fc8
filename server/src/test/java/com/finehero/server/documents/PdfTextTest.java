package com.finehero.server.documents;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.testing.TestPdfs;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limits that bound what reading one PDF may cost, each shown to stop a PDF that passes the others. */
class PdfTextTest {

    private static final DocumentsConfig.PdfLimits GENEROUS = new DocumentsConfig.PdfLimits(100, 10_000, 64L * 1024 * 1024,
            Duration.ofSeconds(30));

    @TempDir
    Path files;

    @Test
    void readsEachPageAndCutsTheTextAtTheLimit() throws IOException {
        Path pdf = write(TestPdfs.text("alpha words", "beta words", "gamma words"));
        PdfText.Extracted all = PdfText.extract(pdf, GENEROUS, 1024);
        assertThat(all.pages()).containsExactly("alpha words", "beta words", "gamma words");
        assertThat(all.pageCount()).isEqualTo(3);
        assertThat(all.text()).isEqualTo("alpha words\fbeta words\fgamma words");
        // 11 + 1 + 10 bytes fit in 25; the third page gets its form feed and the 2 bytes left
        assertThat(PdfText.extract(pdf, GENEROUS, 25).text()).isEqualTo("alpha words\fbeta words\fga");
    }

    @Test
    void extractionPastItsTimeLimitIsRefused() throws IOException {
        Path pdf = write(TestPdfs.text("one", "two"));
        var limits = new DocumentsConfig.PdfLimits(100, 10_000, 64L * 1024 * 1024, Duration.ofNanos(1));
        assertThatThrownBy(() -> PdfText.extract(pdf, limits, 1024))
                .isInstanceOfSatisfying(FineHeroException.ResourceExhausted.class, e -> assertThat(e.reason()).isEqualTo("PDF_TOO_COMPLEX"))
                .hasMessageContaining("finehero.documents.pdf.extract-timeout");
    }

    @Test
    void tooManyObjectsAreRefused() throws IOException {
        Path pdf = write(TestPdfs.text("one", "two", "three"));
        var limits = new DocumentsConfig.PdfLimits(100, 10, 64L * 1024 * 1024, Duration.ofSeconds(30));
        assertThatThrownBy(() -> PdfText.extract(pdf, limits, 1024)).hasMessageContaining("finehero.documents.pdf.max-objects");
    }

    @Test
    void aDecompressionBombIsRefusedBeforeItFillsMemory() throws IOException {
        // 64 MiB of spaces compress to about 64 KiB: a page whose content stream expands a thousandfold
        Path pdf = files.resolve("bomb.pdf");
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            PDStream content = new PDStream(document);
            try (OutputStream out = content.createOutputStream(COSName.FLATE_DECODE)) {
                byte[] spaces = new byte[1024 * 1024];
                java.util.Arrays.fill(spaces, (byte) ' ');
                for (int i = 0; i < 64; i++) {
                    out.write(spaces);
                }
            }
            page.setContents(content);
            document.save(pdf.toFile());
        }
        assertThat(Files.size(pdf)).isLessThan(1024 * 1024);
        var limits = new DocumentsConfig.PdfLimits(100, 10_000, 4L * 1024 * 1024, Duration.ofSeconds(30));
        assertThatThrownBy(() -> PdfText.extract(pdf, limits, 1024))
                .isInstanceOfSatisfying(FineHeroException.ResourceExhausted.class, e -> assertThat(e.reason()).isEqualTo("PDF_TOO_COMPLEX"))
                .hasMessageContaining("finehero.documents.pdf.max-expanded-bytes");
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(files, "test", ".pdf");
        Files.write(file, bytes);
        return file;
    }

}
