package com.finehero.server.fines;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV: comma-separated, fields with commas, quotes or line breaks in double quotes. Cells a
 * spreadsheet would run as a formula can be neutralised for writing and restored when read back.
 */
final class Csv {

    /** A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Sheets. */
    private static final String FORMULA_STARTS = "=+-@\t\r";
    private static final char TEXT_MARK = '\'';

    private Csv() {
    }

    /**
     * The cell as a spreadsheet shows it as text: a value starting with = + - @ tab or carriage return
     * (possibly after apostrophes) gets one more apostrophe in front, as OWASP recommends against CSV
     * injection. Every other value is written as it is. {@link #restored} undoes it exactly.
     */
    static String neutralised(String value) {
        return startsFormula(value, 0) ? TEXT_MARK + value : value;
    }

    /** The value {@link #neutralised} was given: one leading apostrophe dropped where it added one. */
    static String restored(String cell) {
        return !cell.isEmpty() && cell.charAt(0) == TEXT_MARK && startsFormula(cell, 1) ? cell.substring(1) : cell;
    }

    /** Whether the value from {@code from} is apostrophes and then a formula start. */
    private static boolean startsFormula(String value, int from) {
        int i = from;
        while (i < value.length() && value.charAt(i) == TEXT_MARK) {
            i++;
        }
        return i < value.length() && FORMULA_STARTS.indexOf(value.charAt(i)) >= 0;
    }

    /** Rows of fields; a quoted field may span lines. Blank lines are kept as empty rows (row numbers stay true). */
    static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.isEmpty()) {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                field.append(c);
            }
            i++;
        }
        if (!field.isEmpty() || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    static String line(List<String> fields) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            String value = fields.get(i);
            if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
                line.append('"').append(value.replace("\"", "\"\"")).append('"');
            } else {
                line.append(value);
            }
        }
        return line.append('\n').toString();
    }
}
