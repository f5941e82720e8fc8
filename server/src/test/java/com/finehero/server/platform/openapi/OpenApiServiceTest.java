package com.finehero.server.platform.openapi;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rpc.RpcPipeline;
import io.helidon.webserver.WebServer;
import io.swagger.v3.oas.models.OpenAPI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The document and the API page over real HTTP, from a bare server with only this service. */
class OpenApiServiceTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static List<HttpBinding> bindings;
    private static WebServer server;

    @BeforeAll
    static void start() {
        bindings = HttpBinding.of(RpcPipeline.builder()
                .service(FinesProto.getDescriptor(), new FinesServiceGrpc.FinesServiceImplBase() { })
                .build());
        server = WebServer.builder().port(0).routing(r -> r.register(new OpenApiService(bindings))).build().start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void servesTheDocumentAsJson() throws Exception {
        HttpResponse<String> res = get("/openapi.json");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        OpenAPI api = OpenApiGeneratorTest.parse(res.body());
        assertThat(api.getPaths()).containsKeys(bindings.stream().map(b -> b.path().toString()).toArray(String[]::new));
    }

    @Test
    void servesTheSameDocumentAsYaml() throws Exception {
        HttpResponse<String> res = get("/openapi.yaml");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/yaml"));
        assertThat(res.body()).startsWith("openapi");
        assertThat(res.body()).doesNotContain("&id0", "*id0"); // no YAML anchors: some tools reject them
        OpenAPI fromYaml = OpenApiGeneratorTest.parse(res.body());
        OpenAPI fromJson = OpenApiGeneratorTest.parse(get("/openapi.json").body());
        assertThat(fromYaml).isEqualTo(fromJson);
    }

    @Test
    void apiPageLoadsOnlyFromThisServerUnderAStrictPolicy() throws Exception {
        HttpResponse<String> page = get("/api");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.headers().firstValue("content-security-policy"))
                .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'", "script-src 'self';")
                        .doesNotContain("unsafe-eval", "http"));
        assertThat(page.body()).doesNotContainPattern("<script>|<script [^>]*>[^<\\s]"); // no inline script

        Matcher links = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
        int count = 0;
        while (links.find()) {
            String link = links.group(1);
            assertThat(link).as("page link").startsWith("/api/assets/");
            assertThat(get(link).statusCode()).as(link).isEqualTo(200);
            count++;
        }
        assertThat(count).as("stylesheets, icons and scripts on the page").isGreaterThanOrEqualTo(4);
    }

    @Test
    void servesSwaggerUiAssetsWithTheirContentTypes() throws Exception {
        HttpResponse<String> bundle = get("/api/assets/swagger-ui-bundle.js");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(bundle.body()).contains("SwaggerUIBundle");
        assertThat(get("/api/assets/swagger-ui.css").headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/css"));
        HttpResponse<String> init = get("/api/assets/" + SwaggerUiPage.INIT_SCRIPT);
        assertThat(init.body()).contains("/openapi.json", "validatorUrl: null");
    }

    @Test
    void servesNothingOutsideTheWhitelist() throws Exception {
        assertThat(get("/api/assets/../../x").statusCode()).isNotEqualTo(200);
        assertThat(get("/api/assets/..%2F..%2Fapplication.yaml").statusCode()).isNotEqualTo(200);
        assertThat(get("/api/assets/%2e%2e%2fswagger-ui.css").statusCode()).isNotEqualTo(200);
        assertThat(get("/api/assets/index.html").statusCode()).as("in the webjar, not whitelisted").isEqualTo(404);
        assertThat(get("/api/assets/swagger-ui.js.map").statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
