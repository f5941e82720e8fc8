package com.finehero.server.platform.openapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import com.finehero.server.platform.rest.HttpBinding;
import com.google.gson.GsonBuilder;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Serves the OpenAPI document of the REST bindings and a page to browse and try them.
 * <pre>
 * curl localhost:8080/openapi.json
 * curl localhost:8080/openapi.yaml
 * open http://localhost:8080/api
 * </pre>
 * The document is generated when it is first asked for and then served from memory: start-up does
 * not wait for it, and a generation that fails is tried again by the next request (the contract's
 * bindings are checked when the server starts, by {@code HttpBinding}).
 */
public final class OpenApiService implements HttpService {

    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");

    private final Supplier<Map<String, Object>> generate;
    private final ReentrantLock renderLock = new ReentrantLock();
    private volatile Rendered rendered;

    /** The document in both forms served. */
    private record Rendered(byte[] json, byte[] yaml) { }

    /** Describes these bindings, with the comments of the contract's .proto files. */
    public OpenApiService(List<HttpBinding> bindings) {
        List<HttpBinding> described = List.copyOf(Objects.requireNonNull(bindings, "bindings"));
        this.generate = () -> new OpenApiGenerator(ContractComments.load()).generate(described);
    }

    OpenApiService(Map<String, Object> document) {
        Objects.requireNonNull(document, "document");
        this.generate = () -> document;
    }

    private Rendered rendered() {
        Rendered current = rendered;
        if (current == null) {
            // a lock, not synchronized: on JDK 21 a virtual thread inside synchronized pins its carrier
            renderLock.lock();
            try {
                current = rendered;
                if (current == null) {
                    Map<String, Object> document = generate.get();
                    current = new Rendered(new GsonBuilder().disableHtmlEscaping().create().toJson(document).getBytes(StandardCharsets.UTF_8),
                            yaml(document).getBytes(StandardCharsets.UTF_8));
                    rendered = current;
                }
            } finally {
                renderLock.unlock();
            }
        }
        return current;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/openapi.json", (req, res) -> send(res, "application/json", rendered().json()))
                .get("/openapi.yaml", (req, res) -> send(res, "application/yaml; charset=UTF-8", rendered().yaml()))
                .get(SwaggerUiPage.PATH, this::page)
                .get(SwaggerUiPage.ASSETS + "{name}", this::asset);
    }

    private void page(ServerRequest req, ServerResponse res) {
        res.header(CONTENT_SECURITY_POLICY, SwaggerUiPage.CONTENT_SECURITY_POLICY);
        send(res, "text/html; charset=UTF-8", SwaggerUiPage.HTML.getBytes(StandardCharsets.UTF_8));
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        if (name.equals(SwaggerUiPage.INIT_SCRIPT)) {
            send(res, "text/javascript; charset=UTF-8", SwaggerUiPage.INIT_JS.getBytes(StandardCharsets.UTF_8));
            return;
        }
        Optional<SwaggerUiPage.Asset> asset = SwaggerUiPage.webjarFile(name);
        if (asset.isEmpty()) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, asset.get().contentType());
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=3600");
        // streamed: the bundle is 1.5 MB and is not worth keeping in memory for a page few people open
        try (InputStream in = asset.get().content(); OutputStream out = res.outputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("sending " + name + " failed", e);
        }
    }

    private static void send(ServerResponse res, String contentType, byte[] bytes) {
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.send(bytes);
    }

    private static String yaml(Map<String, Object> document) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setDereferenceAliases(true); // no &id001 anchors where the tree shares a map
        options.setSplitLines(false);
        return new Yaml(options).dump(document);
    }
}
