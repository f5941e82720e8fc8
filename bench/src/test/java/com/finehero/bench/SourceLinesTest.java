package com.finehero.bench;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SourceLinesTest {

    private static final List<String> SOURCE = List.of(
            "final class Example {",
            "",
            "    /** Javadoc is not counted. */",
            "    public Optional<Fine> find(String id) {",
            "        // nor are comments",
            "        String brace = \"}{\";",
            "",
            "        return read(db -> {",
            "            return db.find(id).map(Example::fine);",
            "        });",
            "    }",
            "",
            "    static <T> T read(Function<Db, T> work) { return work.apply(db); }",
            "",
            "    private static Fine fine(Row row) {",
            "        return new Fine(text(row));",
            "    }",
            "",
            "    private static String text(Row row) {",
            "        return row.text();",
            "    }",
            "",
            "    private int find(int a,",
            "                     int b) {",
            "        return a + b;",
            "    }",
            "",
            "    private void unused() {",
            "        find(1, 2);",
            "    }",
            "}");

    @Test
    void countsEveryOverloadAndWhatItReachesByCallOrMethodReference() {
        Map<String, Integer> lines = SourceLines.reached(SOURCE, List.of("find"), "Example");

        assertEquals(Map.of("find", 6 + 4, "read", 1, "fine", 3, "text", 3), lines);
        assertEquals(List.of("find", "read", "fine", "text"), List.copyOf(lines.keySet()), "in the order reached");
    }

    @Test
    void aMethodThatIsNotThereIsAnError() {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> SourceLines.reached(SOURCE, List.of("list"), "Example"));
        assertEquals("no method list in Example", failure.getMessage());
    }
}
