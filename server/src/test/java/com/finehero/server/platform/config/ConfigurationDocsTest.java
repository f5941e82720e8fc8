package com.finehero.server.platform.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration tables of docs/operations.md against application.yaml: every key of the file has
 * a row, and each row names the key's environment variable and its default as the file has it. So a
 * key added, renamed or given another default cannot leave the operator's reference behind.
 */
class ConfigurationDocsTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    /** A table row whose first cell is one key: | `key` | env var | default | meaning | */
    private static final Pattern ROW = Pattern.compile("^\\| `((?:server|finehero)\\.[^`]+)` \\| (.+?) \\| (.+?) \\|");
    private static final String YAML_ONLY = "—";

    private record Row(String envVar, String defaultValue) { }

    @Test
    void everyKeyHasARowWithItsVariableAndDefault() throws IOException {
        Map<String, Object> keys = new LinkedHashMap<>();
        flatten("", new Yaml().load(Files.readString(ROOT.resolve("server/src/main/resources/application.yaml"))), keys);
        Map<String, Row> rows = rows(Files.readString(ROOT.resolve("docs/operations.md")));

        assertThat(rows.keySet()).as("keys of application.yaml with a row in docs/operations.md").containsAll(keys.keySet());
        SoftAssertions softly = new SoftAssertions();
        rows.forEach((key, row) -> {
            if (key.contains("<")) { // a name the operator chooses: no single variable or default to check
                softly.assertThat(row.envVar()).as("env var of %s", key).isEqualTo(YAML_ONLY);
                return;
            }
            if (keys.containsKey(key)) {
                softly.assertThat(row.envVar()).as("env var of %s", key).isEqualTo(envVar(key));
                softly.assertThat(row.defaultValue()).as("default of %s", key).isEqualTo(shown(keys.get(key)));
            } else { // optional, left out of the file (lists, maps, TLS): set it in YAML or, if it is a scalar, by variable
                softly.assertThat(row.envVar()).as("env var of %s", key).isIn(envVar(key), YAML_ONLY);
                softly.assertThat(row.defaultValue()).as("default of %s, which application.yaml leaves out", key).isEqualTo("none");
            }
        });
        softly.assertAll();
    }

    private static Map<String, Row> rows(String markdown) {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : markdown.split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                Row previous = rows.put(row.group(1), new Row(row.group(2).strip(), row.group(3).strip()));
                assertThat(previous).as("a second row for %s", row.group(1)).isNull();
            }
        }
        return rows;
    }

    private static void flatten(String prefix, Object node, Map<String, Object> keys) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((name, value) -> flatten(prefix.isEmpty() ? String.valueOf(name) : prefix + "." + name, value, keys));
        } else {
            keys.put(prefix, node);
        }
    }

    /** Helidon's mapping: dots as underscores, a dash as {@code _dash_}; a key with an underscore has none. */
    private static String envVar(String key) {
        return key.contains("_") ? YAML_ONLY : "`" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "_dash_") + "`";
    }

    private static String shown(Object value) {
        String text = String.valueOf(value);
        return text.isEmpty() ? "empty" : "`" + text + "`";
    }
}
