package com.finehero.server.platform.rest;

import java.util.Map;

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
}
