package com.finehero.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lines of code of methods in a Java source file: from the signature to the closing brace, not counting
 * blank lines and comment lines; overloads of a name count together. Good enough for FineHero's own
 * formatting, not a Java parser: braces inside string literals on one line are ignored, inside text
 * blocks they are not.
 */
final class SourceLines {

    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)'");
    private static final Pattern DECLARATION = Pattern.compile("^\\s+(?:[\\w<>\\[\\],.?@]+\\s+)+(\\w+)\\s*\\(.*");
    private static final Pattern USE = Pattern.compile("(?:::\\s*(\\w+))|(?:(?<![\\w.])(\\w+)\\s*\\()");

    private SourceLines() {
    }

    /**
     * The lines of each of {@code entryPoints} and of every method of the same file they reach, by a
     * call or a method reference, directly or not; in the order they are reached.
     */
    static Map<String, Integer> reached(Path file, List<String> entryPoints) throws IOException {
        return reached(Files.readAllLines(file), entryPoints, file.toString());
    }

    static Map<String, Integer> reached(List<String> source, List<String> entryPoints, String where) {
        Map<String, List<List<String>>> declared = declarations(source);
        Map<String, Integer> lines = new LinkedHashMap<>();
        Deque<String> pending = new ArrayDeque<>(entryPoints);
        while (!pending.isEmpty()) {
            String name = pending.removeFirst();
            if (lines.containsKey(name)) {
                continue;
            }
            List<List<String>> bodies = declared.get(name);
            if (bodies == null) {
                throw new IllegalArgumentException("no method " + name + " in " + where);
            }
            lines.put(name, bodies.stream().mapToInt(List::size).sum());
            for (List<String> body : bodies) {
                for (String line : body) {
                    Matcher use = USE.matcher(line);
                    while (use.find()) {
                        String used = use.group(1) != null ? use.group(1) : use.group(2);
                        if (declared.containsKey(used) && !used.equals(name)) {
                            pending.addLast(used);
                        }
                    }
                }
            }
        }
        return lines;
    }

    /** Each method's code lines, by name. */
    private static Map<String, List<List<String>>> declarations(List<String> source) {
        Map<String, List<List<String>>> declared = new LinkedHashMap<>();
        for (int i = 0; i < source.size(); i++) {
            String line = source.get(i);
            Matcher declaration = DECLARATION.matcher(line);
            String text = line.strip();
            if (declaration.matches() && !text.endsWith(";") && !text.startsWith("return ") && !text.startsWith("new ")
                    && !text.contains(" = ") && !isBlankOrComment(line)) {
                declared.computeIfAbsent(declaration.group(1), k -> new ArrayList<>()).add(body(source, i));
            }
        }
        return declared;
    }

    private static List<String> body(List<String> source, int first) {
        int depth = 0;
        boolean opened = false;
        List<String> counted = new ArrayList<>();
        for (int i = first; i < source.size(); i++) {
            String line = source.get(i);
            if (!isBlankOrComment(line)) {
                counted.add(line);
            }
            for (char c : STRING_LITERAL.matcher(line).replaceAll("\"\"").toCharArray()) {
                if (c == '{') {
                    depth++;
                    opened = true;
                } else if (c == '}') {
                    depth--;
                }
            }
            if (opened && depth == 0) {
                return counted;
            }
        }
        throw new IllegalArgumentException("unbalanced braces after line " + (first + 1));
    }

    private static boolean isBlankOrComment(String line) {
        String text = line.strip();
        return text.isEmpty() || text.startsWith("//") || text.startsWith("/*") || text.startsWith("*");
    }
}
