package com.finehero.server.platform.rest;

import java.util.Comparator;
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

    RouteTable(List<HttpBinding> bindings) {
        Objects.requireNonNull(bindings, "bindings");
        this.bindings = bindings.stream()
                .sorted(Comparator.comparingInt((HttpBinding b) -> b.path().specificity()).reversed())
                .toList();
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
        for (HttpBinding binding : bindings) {
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
