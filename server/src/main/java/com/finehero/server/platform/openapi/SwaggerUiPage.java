package com.finehero.server.platform.openapi;

import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * The browsable API page: Swagger UI from the {@code org.webjars:swagger-ui} jar, served by FineHero
 * itself so the page works on a closed network. The start-up code is a served file, not an inline
 * script, so the page's Content-Security-Policy can allow scripts from this server only.
 */
final class SwaggerUiPage {

    static final String PATH = "/api";
    static final String ASSETS = PATH + "/assets/";
    static final String INIT_SCRIPT = "finehero-init.js";

    /**
     * Scripts, styles, fetches and images from this server only. Swagger UI sets style attributes and
     * uses data: URIs for its icons, so those two are allowed; no inline script ever runs.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/5.27.1/";

    /** The only webjar files served, with their content types: nothing else can be named by a request. */
    private static final Map<String, String> WEBJAR_FILES = Map.of(
            "swagger-ui.css", "text/css; charset=UTF-8",
            "index.css", "text/css; charset=UTF-8",
            "swagger-ui-bundle.js", "text/javascript; charset=UTF-8",
            "swagger-ui-standalone-preset.js", "text/javascript; charset=UTF-8",
            "favicon-32x32.png", "image/png",
            "favicon-16x16.png", "image/png");

    static final String HTML = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="UTF-8">
              <title>FineHero API</title>
              <link rel="stylesheet" href="/api/assets/swagger-ui.css">
              <link rel="stylesheet" href="/api/assets/index.css">
              <link rel="icon" type="image/png" href="/api/assets/favicon-32x32.png" sizes="32x32">
              <link rel="icon" type="image/png" href="/api/assets/favicon-16x16.png" sizes="16x16">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/api/assets/swagger-ui-bundle.js"></script>
              <script src="/api/assets/swagger-ui-standalone-preset.js"></script>
              <script src="/api/assets/%s"></script>
            </body>
            </html>
            """.formatted(INIT_SCRIPT);

    // validatorUrl null: the default sends the document to validator.swagger.io, which a closed network blocks
    static final String INIT_JS = """
            window.addEventListener("load", function () {
              window.ui = SwaggerUIBundle({
                url: "/openapi.json",
                dom_id: "#swagger-ui",
                deepLinking: true,
                validatorUrl: null,
                presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                layout: "StandaloneLayout"
              });
            });
            """;

    private SwaggerUiPage() {
    }

    /** A whitelisted webjar file: its content type and a fresh stream, or empty for any other name. */
    static Optional<Asset> webjarFile(String name) {
        String contentType = WEBJAR_FILES.get(name);
        if (contentType == null) {
            return Optional.empty();
        }
        InputStream in = SwaggerUiPage.class.getClassLoader().getResourceAsStream(WEBJAR + name);
        if (in == null) {
            throw new IllegalStateException(WEBJAR + name + " is missing: is org.webjars:swagger-ui:5.27.1 on the classpath?");
        }
        return Optional.of(new Asset(contentType, in));
    }

    record Asset(String contentType, InputStream content) { }
}
