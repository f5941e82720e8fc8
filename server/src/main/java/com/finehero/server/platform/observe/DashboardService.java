package com.finehero.server.platform.observe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;

/**
 * The dashboard pages at {@code /dashboard} (health) and {@code /dashboard/analytics} (fine analytics,
 * from GetFineAnalytics' REST route): static files from the jar (no build step), which poll the
 * monitoring REST endpoints. A strict content security policy: scripts, styles and requests only from
 * this server, never inline, never framed.
 */
public final class DashboardService implements HttpService {

    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8",
            "analytics.html", "text/html; charset=utf-8",
            "analytics.js", "text/javascript; charset=utf-8",
            "session.js", "text/javascript; charset=utf-8");

    @Override
    public void routing(HttpRules rules) {
        rules.get("/dashboard", (req, res) -> send(res, "index.html"))
                .get("/dashboard/analytics", (req, res) -> send(res, "analytics.html"))
                .get("/dashboard/{file}", (req, res) -> {
                    String file = req.path().pathParameters().get("file");
                    if (FILES.containsKey(file)) {
                        send(res, file);
                    } else {
                        res.status(404).send();
                    }
                });
    }

    private static void send(ServerResponse res, String file) {
        try (InputStream in = DashboardService.class.getResourceAsStream("/dashboard/" + file)) {
            if (in == null) {
                res.status(404).send();
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, FILES.get(file));
            res.header("Content-Security-Policy", POLICY);
            res.header("X-Content-Type-Options", "nosniff");
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.send(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
