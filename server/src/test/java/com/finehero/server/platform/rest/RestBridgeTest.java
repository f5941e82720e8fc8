package com.finehero.server.platform.rest;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import build.buf.protovalidate.ValidatorFactory;
import com.finehero.server.platform.rpc.ErrorInterceptor;
import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.errors.HttpStatusMapping;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.server.platform.rpc.ValidationInterceptor;
import com.finehero.testing.v1.BridgeTestProto;
import com.finehero.testing.v1.Color;
import com.finehero.testing.v1.EchoMessage;
import com.finehero.testing.v1.Inner;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST bridge over a test contract that uses every HTTP-rule feature, on a real Helidon server
 * and a real HTTP client, through the same interceptors FineHero uses.
 */
class RestBridgeTest {

    private static WebServer server;
    private static RestBridge bridge;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        RpcPipeline pipeline = RpcPipeline.builder()
                .intercept(new ErrorInterceptor(new ErrorMapper()))
                .intercept(new ValidationInterceptor(new com.finehero.server.platform.rpc.RequestRules(ValidatorFactory.newBuilder().build())))
                .intercept(BridgeTestService.HEADERS)
                .service(BridgeTestProto.getDescriptor(), new BridgeTestService())
                .build();
        bridge = new RestBridge(pipeline, new ErrorMapper(), new RestConfig(Duration.ofSeconds(10), 2048, 4096, 1024),
                com.finehero.server.platform.security.CallGate.open());
        server = WebServer.builder().port(0).host("127.0.0.1").routing(r -> r.register(bridge)).build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        bridge.close();
    }

    static HttpResponse<String> send(String method, String path, String contentType, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static HttpResponse<String> get(String path, String... headers) {
        return send("GET", path, null, null, headers);
    }

    static EchoMessage echo(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        EchoMessage.Builder message = EchoMessage.newBuilder();
        try {
            JsonFormat.parser().merge(response.body(), message);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return message.build();
    }

    static JsonObject error(HttpResponse<String> response, int httpStatus) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(httpStatus);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    static List<String> violatedFields(JsonObject status) {
        return status.getAsJsonArray("details").asList().stream()
                .map(d -> d.getAsJsonObject())
                .filter(d -> d.get("@type").getAsString().endsWith("google.rpc.BadRequest"))
                .flatMap(d -> d.getAsJsonArray("fieldViolations").asList().stream())
                .map(v -> v.getAsJsonObject().get("field").getAsString())
                .toList();
    }

    @Nested
    class Mapping {
        @Test
        void pathVariableAndQueryParametersOfEveryKind() {
            EchoMessage echoed = echo(get("/v1/echo/abc?tags=a&tags=b&color=COLOR_RED&at=2026-01-02T03:04:05Z"
                    + "&mask=nested.name,tags&big=9007199254740993&flag=true&ratio=0.5&colors=COLOR_RED&colors=2"
                    + "&nested.name=n%20m&nested.size=3"));
            assertThat(echoed).isEqualTo(EchoMessage.newBuilder()
                    .setId("abc").addTags("a").addTags("b").setColor(Color.COLOR_RED)
                    .setAt(Timestamp.newBuilder().setSeconds(1767323045))
                    .setMask(FieldMask.newBuilder().addPaths("nested.name").addPaths("tags"))
                    .setBig(9007199254740993L).setFlag(true).setRatio(0.5)
                    .addColors(Color.COLOR_RED).addColors(Color.COLOR_GREEN)
                    .setNested(Inner.newBuilder().setName("n m").setSize(3))
                    .build());
        }

        @Test
        void bodyStarWithCustomVerbAndPathWinsOverBody() {
            EchoMessage echoed = echo(send("POST", "/v1/echo/abc:shout", "application/json",
                    "{\"id\":\"other\",\"color\":\"COLOR_GREEN\",\"nested\":{\"size\":4},\"seen_header\":\"\"}"));
            assertThat(echoed.getId()).isEqualTo("abc");
            assertThat(echoed.getColor()).isEqualTo(Color.COLOR_GREEN);
            assertThat(echoed.getNested().getSize()).isEqualTo(4);
        }

        @Test
        void namedBodyFieldAndNestedPathVariable() {
            EchoMessage echoed = echo(send("PUT", "/v1/things/widget/tags", "application/json", "[\"x\",\"y\"]"));
            assertThat(echoed.getNested().getName()).isEqualTo("widget");
            assertThat(echoed.getTagsList()).containsExactly("x", "y");
        }

        @Test
        void aPathAloneSetsItsStringFieldsAsTheJsonMappingWould() {
            assertThat(echo(get("/v1/echo/a%20b%2F%C3%A9"))).isEqualTo(EchoMessage.newBuilder().setId("a b/\u00e9").build());
            assertThat(echo(get("/v1/files/x/%E2%82%AC+1"))).isEqualTo(EchoMessage.newBuilder().setPath("x/\u20ac+1").build());
        }

        @Test
        void doubleStarCapturesSlashes() {
            assertThat(echo(get("/v1/files/a/b/c.txt")).getPath()).isEqualTo("a/b/c.txt");
        }

        @Test
        void patternVariableAndResponseBody() {
            HttpResponse<String> response = get("/v1/shelves/shelves/7/color?color=COLOR_GREEN");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("\"COLOR_GREEN\"");
            assertThat(get("/v1/shelves/other/7/color").statusCode()).isEqualTo(404);
        }

        @Test
        void headersPassBothWays() {
            HttpResponse<String> response = get("/v1/echo/h", "x-test", "hello");
            assertThat(echo(response).getSeenHeader()).isEqualTo("hello");
            assertThat(response.headers().firstValue("x-reply")).hasValue("yes");
        }
    }

    @Nested
    class BadInput {
        @Test
        void aMalformedPercentEscapeInThePathIs400() throws IOException {
            // raw, since java.net.URI refuses to build such a path
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                socket.getOutputStream().write("GET /v1/echo/a%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 400").doesNotContain("Exception").doesNotContain("INTERNAL");
            }
        }

        @Test
        void unknownQueryParameterNamesIt() {
            JsonObject status = error(get("/v1/echo/a?colour=COLOR_RED"), 400);
            assertThat(status.get("code").getAsInt()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
            assertThat(violatedFields(status)).containsExactly("colour");
        }

        @Test
        void wrongTypesNameTheField() {
            assertThat(violatedFields(error(get("/v1/echo/a?big=abc"), 400))).containsExactly("big");
            assertThat(violatedFields(error(get("/v1/echo/a?color=PURPLE"), 400))).containsExactly("color");
            assertThat(violatedFields(error(get("/v1/echo/a?flag=maybe"), 400))).containsExactly("flag");
            assertThat(violatedFields(error(get("/v1/echo/a?at=yesterday"), 400))).containsExactly("at");
            assertThat(violatedFields(error(send("POST", "/v1/echo/a:shout", "application/json",
                    "{\"nested\":{\"size\":\"big\"}}"), 400))).containsExactly("nested.size");
        }

        @Test
        void singleValueGivenTwice() {
            assertThat(violatedFields(error(get("/v1/echo/a?flag=true&flag=false"), 400))).containsExactly("flag");
        }

        @Test
        void messageAsQueryParameterPointsToItsFields() {
            JsonObject status = error(get("/v1/echo/a?nested=x"), 400);
            assertThat(status.get("message").getAsString()).contains("nested.<field>");
        }

        @Test
        void malformedJsonSaysWhere() {
            JsonObject status = error(send("POST", "/v1/echo/a:shout", "application/json", "{\"color\": "), 400);
            assertThat(status.get("message").getAsString()).contains("malformed JSON").contains("line 1 column");
        }

        @Test
        void unknownJsonFieldIsNamed() {
            JsonObject status = error(send("POST", "/v1/echo/a:shout", "application/json", "{\"colour\":\"COLOR_RED\"}"), 400);
            assertThat(status.get("message").getAsString()).contains("colour");
        }

        @Test
        void nonObjectBodyIsRejected() {
            error(send("POST", "/v1/echo/a:shout", "application/json", "[1,2]"), 400);
        }

        @Test
        void queryParametersAreRejectedWhenTheBodyIsTheWholeRequest() {
            assertThat(violatedFields(error(send("POST", "/v1/echo/a:shout?color=COLOR_RED", "application/json", "{}"), 400)))
                    .containsExactly("color");
        }

        @Test
        void oversizedBodyIs413() {
            String big = "{\"tags\":[\"" + "x".repeat(5000) + "\"]}";
            error(send("POST", "/v1/echo/a:shout", "application/json", big), 413);
        }

        @Test
        void unsupportedContentTypeIs415() {
            error(send("POST", "/v1/echo/a:shout", "text/plain", "hello"), 415);
            error(send("POST", "/v1/echo/a:shout", "application/x-www-form-urlencoded", "a=b"), 415);
        }

        @Test
        void unknownRouteIs404Json() {
            JsonObject status = error(get("/v1/nowhere"), 404);
            assertThat(status.get("code").getAsInt()).isEqualTo(Status.Code.NOT_FOUND.value());
        }

        @Test
        void wrongMethodIs405WithAllow() {
            HttpResponse<String> response = send("DELETE", "/v1/echo/a", null, null);
            error(response, 405);
            assertThat(response.headers().firstValue("allow")).hasValue("GET");
        }

        @Test
        void contractValidationRunsOnRestToo() {
            assertThat(violatedFields(error(get("/v1/echo/" + "x".repeat(30)), 400))).containsExactly("id");
        }
    }

    @Nested
    class Statuses {
        @Test
        void everyGrpcCodeHasItsHttpStatusAndStatusBody() {
            for (Status.Code code : Status.Code.values()) {
                if (code == Status.Code.OK) {
                    continue;
                }
                HttpResponse<String> response = send("POST", "/v1/fail", "application/json", "{\"code\":" + code.value() + "}");
                JsonObject status = error(response, HttpStatusMapping.httpStatus(code));
                int expectedCode = code == Status.Code.UNKNOWN || code == Status.Code.DATA_LOSS
                        ? Status.Code.INTERNAL.value() : code.value();
                assertThat(status.get("code").getAsInt()).as(code.name()).isEqualTo(expectedCode);
            }
        }

        @Test
        void tableMatchesTheSharedMapping() {
            assertThat(HttpStatusMapping.httpStatus(Status.Code.CANCELLED)).isEqualTo(499);
            assertThat(HttpStatusMapping.httpStatus(Status.Code.FAILED_PRECONDITION)).isEqualTo(400);
            assertThat(HttpStatusMapping.httpStatus(Status.Code.ABORTED)).isEqualTo(409);
            assertThat(HttpStatusMapping.httpStatus(Status.Code.RESOURCE_EXHAUSTED)).isEqualTo(429);
            assertThat(HttpStatusMapping.httpStatus(Status.Code.UNIMPLEMENTED)).isEqualTo(501);
            assertThat(HttpStatusMapping.httpStatus(Status.Code.DEADLINE_EXCEEDED)).isEqualTo(504);
            assertThat(HttpStatusMapping.httpStatus(Status.Code.DATA_LOSS)).isEqualTo(500);
        }

        @Test
        void rateLimitCarriesRetryAfter() {
            HttpResponse<String> response = send("POST", "/v1/fail", "application/json", "{\"retryAfterSeconds\":7}");
            error(response, 429);
            assertThat(response.headers().firstValue("retry-after")).hasValue("7");
        }

        @Test
        void fieldViolationsReachTheJsonBody() {
            JsonObject status = error(send("POST", "/v1/fail", "application/json", "{\"code\":3}"), 400);
            assertThat(violatedFields(status)).containsExactly("code");
        }
    }

    @Nested
    class Streaming {
        @Test
        void serverStreamAsServerSentEvents() {
            HttpResponse<String> response = get("/v1/count/3");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            assertThat(response.body()).isEqualTo("data: {\"i\":1}\n\ndata: {\"i\":2}\n\ndata: {\"i\":3}\n\n");
        }

        @Test
        void serverStreamAsNdjsonWhenAsked() {
            HttpResponse<String> response = get("/v1/count/2", "Accept", "application/x-ndjson");
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
            assertThat(response.body()).isEqualTo("{\"i\":1}\n{\"i\":2}\n");
        }

        @Test
        void failureAfterMessagesEndsTheStreamWithAnErrorEvent() {
            HttpResponse<String> response = get("/v1/count/2?fail_code=9");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).startsWith("data: {\"i\":1}\n\ndata: {\"i\":2}\n\nevent: error\ndata: {\"code\":9,");
        }

        @Test
        void failureBeforeAnyMessageIsAPlainError() {
            error(get("/v1/count/0?fail_code=5"), 404);
            error(get("/v1/count/5000"), 400);
        }

        @Test
        void clientStreamFromNdjson() {
            HttpResponse<String> response = send("POST", "/v1/sum", "application/x-ndjson",
                    "{\"value\":\"1\"}\n\n{\"value\":2}\n{\"value\":39}\n");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"total\":\"42\",\"count\":3}");
        }

        @Test
        void badNdjsonLineIsNamed() {
            JsonObject status = error(send("POST", "/v1/sum", "application/x-ndjson", "{\"value\":1}\n{oops\n"), 400);
            assertThat(status.get("message").getAsString()).contains("line 2");
        }

        @Test
        void clientStreamOverTheStreamLimitIs413() {
            String lines = "{\"value\":1}\n".repeat(400);
            JsonObject status = error(send("POST", "/v1/sum", "application/x-ndjson", lines), 413);
            assertThat(status.get("message").getAsString()).contains("4096 bytes");
        }

        @Test
        void clientStreamNeedsNdjson() {
            error(send("POST", "/v1/sum", "application/json", "{\"value\":1}"), 415);
        }
    }
}
