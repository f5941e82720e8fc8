package com.finehero.server.platform.rest;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.finehero.server.platform.errors.FineHeroException;

/**
 * The REST routes, most specific template first. Finds the binding a method and path call for, and
 * tells a path no route knows (404) from a method the path does not take (405 with Allow).
 */
final class RouteTable {

    /** The binding chosen for a request, with the values its path variables captured. */
    record Match(HttpBinding binding, Map<String, String> variables) { }

    private final List<HttpBinding> bindings;
    /**
     * First path segment, then second: the routes a path that starts with them can take, in the order
     * above. Most routes share their first segment ({@code v1}), so a request is tried against the few
     * of its resource rather than all of them.
     */
    private final Map<String, Map<String, List<HttpBinding>>> byLeadingSegments = new HashMap<>();
    /** The routes not filed by their first two segments (a variable, a wildcard or a ':' among them): in every list. */
    private final List<HttpBinding> unfiled;

    RouteTable(List<HttpBinding> bindings) {
        Objects.requireNonNull(bindings, "bindings");
        this.bindings = bindings.stream()
                .sorted(Comparator.comparingInt((HttpBinding b) -> b.path().specificity()).reversed())
                .toList();
        this.unfiled = this.bindings.stream().filter(b -> leadingLiterals(b.path()) == null).toList();
        for (HttpBinding binding : this.bindings) {
            String[] leading = leadingLiterals(binding.path());
            if (leading != null) {
                byLeadingSegments.computeIfAbsent(leading[0], first -> new HashMap<>())
                        .computeIfAbsent(leading[1], second -> this.bindings.stream()
                                .filter(b -> isFiledUnder(b, leading[0], leading[1]))
                                .toList());
            }
        }
    }

    /** Whether a path starting with these two segments can take the route: it is filed under them, or not filed at all. */
    private static boolean isFiledUnder(HttpBinding binding, String first, String second) {
        String[] leading = leadingLiterals(binding.path());
        return leading == null || (leading[0].equals(first) && leading[1].equals(second));
    }

    /** A template's first two segments when both are plain literals, which every path it matches starts with; else null. */
    private static String[] leadingLiterals(PathTemplate template) {
        List<PathTemplate.Segment> segments = template.segments();
        if (segments.size() < 2) {
            return null;
        }
        PathTemplate.Segment first = segments.get(0);
        PathTemplate.Segment second = segments.get(1);
        if (first.kind() != PathTemplate.Segment.Kind.LITERAL || second.kind() != PathTemplate.Segment.Kind.LITERAL
                || first.literal().indexOf(':') >= 0 || second.literal().indexOf(':') >= 0) {
            return null;
        }
        return new String[] {first.literal(), second.literal()};
    }

    /** The routes a path of these segments can take, most specific first. */
    private List<HttpBinding> candidates(String[] parts) {
        if (parts.length < 2) {
            return unfiled; // a filed route has at least two segments
        }
        Map<String, List<HttpBinding>> seconds = byLeadingSegments.get(parts[0]);
        if (seconds == null) {
            return unfiled;
        }
        // a two-segment path may end in a custom verb (/v1/fines:search), which its template holds apart
        String second = parts.length == 2 && parts[1].indexOf(':') >= 0 ? parts[1].substring(0, parts[1].indexOf(':')) : parts[1];
        return seconds.getOrDefault(second, unfiled);
    }

    List<HttpBinding> bindings() {
        return bindings;
    }

    /**
     * The first path segment of every route, so the bridge is registered under those alone; "" for a
     * route that starts with a variable or a wildcard, which can take any path.
     */
    Set<String> prefixes() {
        Set<String> prefixes = new LinkedHashSet<>();
        for (HttpBinding binding : bindings) {
            PathTemplate.Segment first = binding.path().segments().getFirst();
            prefixes.add(first.kind() == PathTemplate.Segment.Kind.LITERAL && first.variable() == null
                    ? first.literal().split(":")[0] : "");
        }
        return prefixes;
    }

    Match match(String method, String path) {
        if (!path.startsWith("/")) {
            throw notFound(method, path);
        }
        String[] parts = PathTemplate.segmentsOf(path);
        Set<String> allowed = null;
        for (HttpBinding binding : candidates(parts)) {
            Map<String, String> variables = binding.path().match(path, parts);
            if (variables == null) {
                continue;
            }
            if (binding.httpMethod().equals(method)) {
                return new Match(binding, variables);
            }
            if (allowed == null) {
                allowed = new LinkedHashSet<>();
            }
            allowed.add(binding.httpMethod());
        }
        if (allowed != null) {
            throw new RestRequestException(405, new FineHeroException.InvalidArgument("METHOD_NOT_ALLOWED",
                    method + " is not allowed on " + path + "; allowed: " + String.join(", ", allowed), List.of()),
                    Map.of("Allow", String.join(", ", allowed)));
        }
        throw notFound(method, path);
    }

    private static RestRequestException notFound(String method, String path) {
        return new RestRequestException(404, new FineHeroException.NotFound("ROUTE_NOT_FOUND",
                "no API route matches " + method + " " + path));
    }
}
