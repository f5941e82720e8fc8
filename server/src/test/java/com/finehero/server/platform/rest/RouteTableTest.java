package com.finehero.server.platform.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.finehero.server.platform.errors.FineHeroException;
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
    void theIndexOfLeadingSegmentsFindsWhatTryingEveryRouteFinds() {
        HttpBinding echo = HttpBinding.of(RpcPipeline.builder()
                .service(BridgeTestProto.getDescriptor(), new BridgeTestService()).build()).getFirst();
        List<String> templates = List.of("/v1/echo/{id}", "/v1/echo/{id}:shout", "/v1/echo:all", "/v1:batch", "/v1/echo",
                "/v1/{kind}/{id}", "/{name=shelves/*}/books", "/v1/**", "/v1/echo/**:tail", "/v2/x/{y}", "/v1/other/{id}/deep");
        List<HttpBinding> bindings = new ArrayList<>();
        for (String method : List.of("GET", "POST")) {
            for (String template : templates) {
                bindings.add(new HttpBinding(method, PathTemplate.parse(template), "", "", echo.method(), echo.definition(),
                        echo.access()));
            }
        }
        RouteTable table = new RouteTable(bindings);
        List<String> paths = List.of("/", "/v1", "/v1:batch", "/v1/echo", "/v1/echo:all", "/v1/echo/abc", "/v1/echo/abc:shout",
                "/v1/echo/a/b:tail", "/v1/echo:tail", "/v1/fines/abc", "/shelves/7/books", "/v1/other/1/deep", "/v1/other/1/deeper",
                "/v2/x/1", "/v2/x", "/v3/a/b/c", "/v1/echo/a/b/c");
        for (String path : paths) {
            for (String method : List.of("GET", "POST", "DELETE")) {
                assertThat(outcome(() -> table.match(method, path)))
                        .as(method + " " + path)
                        .isEqualTo(outcome(() -> everyRoute(table.bindings(), method, path)));
            }
        }
    }

    /** What trying every route in the table's order answers: the binding and its variables, or the refusal. */
    private static RouteTable.Match everyRoute(List<HttpBinding> inOrder, String method, String path) {
        List<String> allowed = new ArrayList<>();
        for (HttpBinding binding : inOrder) {
            Map<String, String> variables = binding.path().match(path).orElse(null);
            if (variables != null && binding.httpMethod().equals(method)) {
                return new RouteTable.Match(binding, variables);
            }
            if (variables != null && !allowed.contains(binding.httpMethod())) {
                allowed.add(binding.httpMethod());
            }
        }
        throw new RestRequestException(allowed.isEmpty() ? 404 : 405, new FineHeroException.NotFound("X", "refused"),
                allowed.isEmpty() ? Map.of() : Map.of("Allow", String.join(", ", allowed)));
    }

    private static String outcome(Supplier<RouteTable.Match> match) {
        try {
            RouteTable.Match found = match.get();
            return found.binding().httpMethod() + " " + found.binding().path() + " " + found.variables();
        } catch (RestRequestException e) {
            return e.httpStatus() + " " + e.headers();
        }
    }

    @Test
    void registersUnderTheRoutesFirstSegmentsOnly() {
        assertThat(routes.prefixes()).containsExactly("v1");
    }
}
