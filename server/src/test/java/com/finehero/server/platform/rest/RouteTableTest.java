package com.finehero.server.platform.rest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.finehero.api.auth.v1.AuthProto;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.documents.v1.DocumentsProto;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.events.v1.EventsProto;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.monitoring.v1.MonitoringProto;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.tasks.v1.TasksProto;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.testing.v1.BridgeTestProto;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Which binding a method and path reach, over the test contract's routes. */
class RouteTableTest {

    private final RouteTable routes = new RouteTable(HttpBinding.of(RpcPipeline.builder()
            .service(BridgeTestProto.getDescriptor(), new BridgeTestService())
            .build()));

    @Test
    void aCustomVerbWinsOverAVariableThatWouldTakeIt() {
        RouteTable.Match shout = routes.match("POST", "/v1/echo/abc:shout");
        assertThat(shout.binding().path()).hasToString("/v1/echo/{id}:shout");
        assertThat(shout.variables()).isEqualTo(Map.of("id", "abc"));

        RouteTable.Match get = routes.match("GET", "/v1/echo/abc:shout");
        assertThat(get.binding().path()).hasToString("/v1/echo/{id}");
        assertThat(get.variables()).isEqualTo(Map.of("id", "abc:shout"));
    }

    @Test
    void aKnownPathWithAnotherMethodIs405ListingEveryAllowedMethod() {
        RestRequestException refused = catchThrowableOfType(RestRequestException.class,
                () -> routes.match("DELETE", "/v1/echo/abc:shout"));
        assertThat(refused.httpStatus()).isEqualTo(405);
        assertThat(refused.headers()).isEqualTo(Map.of("Allow", "POST, GET"));
        assertThat(refused.status().reason()).isEqualTo("METHOD_NOT_ALLOWED");
    }

    @Test
    void anUnknownPathIs404() {
        RestRequestException refused = catchThrowableOfType(RestRequestException.class,
                () -> routes.match("GET", "/v2/echo/abc"));
        assertThat(refused.httpStatus()).isEqualTo(404);
        assertThat(refused.headers()).isEmpty();
    }

    @Test
    void registersUnderTheRoutesFirstSegmentsOnly() {
        assertThat(routes.prefixes()).containsExactly("v1");
    }

    /**
     * The table files routes by their first two segments; over every route of the whole contract and
     * the test one, each path a template makes (and its neighbours: another verb, one segment more or
     * less) must reach what trying every route in order reaches: the same route and variables, or the
     * same 404 or 405 and Allow.
     */
    @Test
    void reachesWhatTryingEveryRouteInOrderReaches() {
        RouteTable whole = new RouteTable(HttpBinding.of(RpcPipeline.builder()
                .service(FinesProto.getDescriptor(), new FinesServiceGrpc.FinesServiceImplBase() { })
                .service(DocumentsProto.getDescriptor(), new DocumentsServiceGrpc.DocumentsServiceImplBase() { })
                .service(TasksProto.getDescriptor(), new TasksServiceGrpc.TasksServiceImplBase() { })
                .service(MonitoringProto.getDescriptor(), new MonitoringServiceGrpc.MonitoringServiceImplBase() { })
                .service(AuthProto.getDescriptor(), new AuthServiceGrpc.AuthServiceImplBase() { })
                .service(EventsProto.getDescriptor(), new EventsServiceGrpc.EventsServiceImplBase() { })
                .service(BridgeTestProto.getDescriptor(), new BridgeTestService())
                .build()));
        assertThat(whole.bindings()).hasSizeGreaterThan(50);
        Set<String> paths = new LinkedHashSet<>(List.of("/", "/v1", "/v1/", "/v1/fines:search", "/v1/nothing/here"));
        for (HttpBinding binding : whole.bindings()) {
            String path = pathOf(binding.path());
            paths.add(path);
            paths.add(path + ":other");
            paths.add(path + "/more");
            paths.add(path.substring(0, Math.max(1, path.lastIndexOf('/'))));
        }
        Set<String> reached = new LinkedHashSet<>();
        for (String path : paths) {
            for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
                String expected = tryingEveryRoute(whole, method, path);
                assertThat(outcome(() -> whole.match(method, path))).as(method + " " + path).isEqualTo(expected);
                if (expected.startsWith("route ")) {
                    reached.add(expected.substring(0, expected.lastIndexOf(" {")));
                }
            }
        }
        // every route was reached by some path, so each was compared
        assertThat(reached).hasSameSizeAs(whole.bindings());
    }

    /** A path the template matches: each variable's segments as "a1", "a2"..., "**" as two of them. */
    private static String pathOf(PathTemplate template) {
        StringBuilder path = new StringBuilder();
        int n = 0;
        for (PathTemplate.Segment segment : template.segments()) {
            path.append('/').append(switch (segment.kind()) {
                case LITERAL -> segment.literal();
                case SINGLE -> "a" + ++n;
                case MULTI -> "a" + ++n + "/a" + ++n;
            });
        }
        return template.verb().isEmpty() ? path.toString() : path + ":" + template.verb();
    }

    private static String tryingEveryRoute(RouteTable table, String method, String path) {
        String[] parts = PathTemplate.segmentsOf(path);
        List<String> allowed = new ArrayList<>();
        for (HttpBinding binding : table.bindings()) {
            Map<String, String> variables = binding.path().match(path, parts);
            if (variables != null && binding.httpMethod().equals(method)) {
                return outcome(() -> new RouteTable.Match(binding, variables));
            }
            if (variables != null && !allowed.contains(binding.httpMethod())) {
                allowed.add(binding.httpMethod());
            }
        }
        return allowed.isEmpty() ? "404 {}" : "405 " + Map.of("Allow", String.join(", ", allowed));
    }

    private static String outcome(java.util.function.Supplier<RouteTable.Match> match) {
        try {
            RouteTable.Match found = match.get();
            return "route " + found.binding().httpMethod() + " " + found.binding().path() + " " + found.variables();
        } catch (RestRequestException e) {
            return e.httpStatus() + " " + e.headers();
        }
    }
}
