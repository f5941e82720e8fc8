package com.finehero.server.platform.rest;

import java.util.ArrayList;
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

    /** How many leading literal segments a route is indexed by: nearly every route starts with v1, so one would not do. */
    private static final int INDEXED_SEGMENTS = 2;

    private final List<HttpBinding> bindings;
    /**
     * The routes a path can match by its first two segments, in the table's order: those starting with
     * exactly these two literals and every route not indexed. Most routes share their first segment
     * ({@code v1}), so two segments leave a handful to try instead of every route.
     */
    private final Map<String, List<HttpBinding>> byLeadingSegments;
    /** The routes that may match a path whatever its first two segments are, in the table's order. */
    private final List<HttpBinding> unindexed;

    RouteTable(List<HttpBinding> bindings) {
        Objects.requireNonNull(bindings, "bindings");
        this.bindings = bindings.stream()
                .sorted(Comparator.comparingInt((HttpBinding b) -> b.path().specificity()).reversed())
                .toList();
        List<String> keys = this.bindings.stream().map(b -> leadingSegments(b.path())).toList();
        Map<String, List<HttpBinding>> index = new HashMap<>();
        keys.stream().filter(Objects::nonNull).forEach(key -> index.putIfAbsent(key, new ArrayList<>()));
        List<HttpBinding> anyPath = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            HttpBinding binding = this.bindings.get(i);
            if (keys.get(i) != null) {
                index.get(keys.get(i)).add(binding);
            } else { // in every bucket, in its place in the table's order
                anyPath.add(binding);
                index.values().forEach(bucket -> bucket.add(binding));
            }
        }
        this.unindexed = List.copyOf(anyPath);
        index.replaceAll((key, bucket) -> List.copyOf(bucket));
        this.byLeadingSegments = Map.copyOf(index);
    }

    /**
     * The first two segments of every path the template can match, or null when they are not fixed: a
     * variable or wildcard among them, a {@code **} anywhere (it may take no segment, so what follows it,
     * a verb too, can land on the first two), or a verb on one of them (it is part of that path segment).
     */
    private static String leadingSegments(PathTemplate template) {
        List<PathTemplate.Segment> segments = template.segments();
        if (segments.size() < INDEXED_SEGMENTS || (segments.size() == INDEXED_SEGMENTS && !template.verb().isEmpty())
                || segments.stream().anyMatch(segment -> segment.kind() == PathTemplate.Segment.Kind.MULTI)) {
            return null;
        }
        for (int i = 0; i < INDEXED_SEGMENTS; i++) {
            if (segments.get(i).kind() != PathTemplate.Segment.Kind.LITERAL || segments.get(i).variable() != null) {
                return null;
            }
        }
        return segments.get(0).literal() + "/" + segments.get(1).literal();
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
        List<HttpBinding> candidates = parts.length < INDEXED_SEGMENTS ? unindexed
                : byLeadingSegments.getOrDefault(parts[0] + "/" + parts[1], unindexed);
        Set<String> allowed = null;
        for (HttpBinding binding : candidates) {
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
