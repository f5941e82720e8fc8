package com.finehero.server.platform.rest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code google.api.http} path template, as grpc-gateway and Google's HTTP rule define it:
 * <pre>
 * Template = "/" Segments [ ":" Verb ]
 * Segment  = "*" | "**" | LITERAL | "{" FieldPath [ "=" Segments ] "}"
 * </pre>
 * {@code {fine_id}} is {@code {fine_id=*}}; {@code **} matches zero or more segments and keeps its
 * slashes; a variable's value is URL-decoded.
 */
public final class PathTemplate {

    /** One segment of the template; {@code variable} is the field path that captures it, if any. */
    public record Segment(Kind kind, String literal, String variable) {
        public enum Kind { LITERAL, SINGLE, MULTI }
    }

    private final String template;
    private final List<Segment> segments;
    private final String verb;
    private final List<String> variables;
    /** Whether a segment is {@code **}: only then can a path of another length match, and matching backtracks. */
    private final boolean multi;

    private PathTemplate(String template, List<Segment> segments, String verb, List<String> variables) {
        this.template = template;
        this.segments = List.copyOf(segments);
        this.verb = verb;
        this.variables = List.copyOf(variables);
        this.multi = segments.stream().anyMatch(segment -> segment.kind() == Segment.Kind.MULTI);
    }

    public static PathTemplate parse(String template) {
        Objects.requireNonNull(template, "template");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("path template must start with '/': " + template);
        }
        String path = template.substring(1);
        String verb = "";
        int lastSlash = path.lastIndexOf('/');
        int colon = path.lastIndexOf(':');
        int lastBrace = path.lastIndexOf('}');
        if (colon > lastSlash && colon > lastBrace) {
            verb = path.substring(colon + 1);
            path = path.substring(0, colon);
        }
        List<Segment> segments = new ArrayList<>();
        List<String> variables = new ArrayList<>();
        int i = 0;
        while (i < path.length()) {
            if (path.charAt(i) == '{') {
                int end = path.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed '{' in path template " + template);
                }
                String body = path.substring(i + 1, end);
                int eq = body.indexOf('=');
                String field = eq < 0 ? body : body.substring(0, eq);
                String pattern = eq < 0 ? "*" : body.substring(eq + 1);
                variables.add(field);
                for (String part : pattern.split("/")) {
                    segments.add(segment(part, field));
                }
                i = end + 1;
            } else {
                int end = path.indexOf('/', i);
                end = end < 0 ? path.length() : end;
                segments.add(segment(path.substring(i, end), null));
                i = end;
            }
            if (i < path.length()) {
                if (path.charAt(i) != '/') {
                    throw new IllegalArgumentException("expected '/' at " + i + " in path template " + template);
                }
                i++;
            }
        }
        return new PathTemplate(template, segments, verb, variables);
    }

    private static Segment segment(String text, String variable) {
        return switch (text) {
            case "*" -> new Segment(Segment.Kind.SINGLE, "", variable);
            case "**" -> new Segment(Segment.Kind.MULTI, "", variable);
            default -> new Segment(Segment.Kind.LITERAL, text, variable);
        };
    }

    /** The captured variables, field path to value, if {@code path} (no query string) matches. */
    Optional<Map<String, String>> match(String path) {
        return path.startsWith("/") ? Optional.ofNullable(match(path, segmentsOf(path))) : Optional.empty();
    }

    /**
     * A path's segments after its leading '/', split once for all the templates a request is tried
     * against; {@code path} starts with '/'.
     */
    static String[] segmentsOf(String path) {
        return path.length() == 1 ? new String[0] : path.substring(1).split("/", -1);
    }

    /**
     * As {@link #match(String)} for a path starting with '/' whose {@link #segmentsOf segments} are
     * given: the captured variables, or null. A template is tried against every request until one
     * matches, so one that does not match allocates nothing.
     */
    Map<String, String> match(String path, String[] parts) {
        if (!verb.isEmpty()) {
            int colon = path.length() - verb.length() - 1;
            if (colon < 1 || path.charAt(colon) != ':' || !path.endsWith(verb)) {
                return null;
            }
            parts = segmentsOf(path.substring(0, colon));
        }
        if (multi) {
            Map<String, List<String>> captured = new LinkedHashMap<>();
            if (!matchFrom(0, parts, 0, captured)) {
                return null;
            }
            Map<String, String> values = new LinkedHashMap<>();
            captured.forEach((field, raw) -> values.put(field, String.join("/", raw)));
            return values;
        }
        if (parts.length != segments.size()) {
            return null;
        }
        for (int i = 0; i < parts.length; i++) {
            Segment segment = segments.get(i);
            if (segment.kind() == Segment.Kind.LITERAL ? !parts[i].equals(segment.literal()) : parts[i].isEmpty()) {
                return null;
            }
        }
        if (variables.isEmpty()) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            Segment segment = segments.get(i);
            if (segment.variable() != null) {
                String value = segment.kind() == Segment.Kind.LITERAL ? parts[i] : decode(parts[i]);
                values.merge(segment.variable(), value, (before, next) -> before + "/" + next);
            }
        }
        return values;
    }

    private boolean matchFrom(int s, String[] parts, int p, Map<String, List<String>> captured) {
        if (s == segments.size()) {
            return p == parts.length;
        }
        Segment segment = segments.get(s);
        switch (segment.kind()) {
            case LITERAL -> {
                if (p < parts.length && parts[p].equals(segment.literal())) {
                    return capture(segment, List.of(parts[p]), captured, () -> matchFrom(s + 1, parts, p + 1, captured));
                }
                return false;
            }
            case SINGLE -> {
                if (p < parts.length && !parts[p].isEmpty()) {
                    return capture(segment, List.of(decode(parts[p])), captured,
                            () -> matchFrom(s + 1, parts, p + 1, captured));
                }
                return false;
            }
            default -> {
                for (int end = parts.length; end >= p; end--) {
                    List<String> taken = new ArrayList<>();
                    for (int k = p; k < end; k++) {
                        taken.add(decode(parts[k]));
                    }
                    int next = end;
                    if (capture(segment, taken, captured, () -> matchFrom(s + 1, parts, next, captured))) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    private static boolean capture(Segment segment, List<String> values, Map<String, List<String>> captured,
                                   java.util.function.BooleanSupplier rest) {
        if (segment.variable() == null) {
            return rest.getAsBoolean();
        }
        List<String> list = captured.computeIfAbsent(segment.variable(), v -> new ArrayList<>());
        int size = list.size();
        list.addAll(values);
        if (rest.getAsBoolean()) {
            return true;
        }
        list.subList(size, list.size()).clear();
        if (list.isEmpty()) {
            captured.remove(segment.variable());
        }
        return false;
    }

    /** A captured segment, percent-decoded; 400 when it holds an escape that is not one. */
    private static String decode(String raw) {
        try {
            // path segments are percent-encoded; '+' is a literal plus in a path, not a space
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RestRequestException.badRequest("the path segment '" + raw + "' holds a malformed percent-escape"
                    + " (a '%' must be followed by two hex digits)");
        }
    }

    /** Literal segments count for more than wildcards when two templates match one path. */
    int specificity() {
        int score = verb.isEmpty() ? 0 : 1000;
        for (Segment segment : segments) {
            score += switch (segment.kind()) {
                case LITERAL -> 100;
                case SINGLE -> 10;
                case MULTI -> 1;
            };
        }
        return score;
    }

    public List<Segment> segments() {
        return segments;
    }

    public String verb() {
        return verb;
    }

    /** Field paths bound by the path, in order. */
    public List<String> variables() {
        return variables;
    }

    @Override
    public String toString() {
        return template;
    }
}
