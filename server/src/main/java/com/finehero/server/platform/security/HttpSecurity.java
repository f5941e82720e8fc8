package com.finehero.server.platform.security;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Headers every HTTP answer carries (no sniffing, no framing, no referrer, HSTS on TLS, a strict
 * content security policy that pages replace with their own) and CORS for the origins configured,
 * preflight included. Nothing is allowed cross-origin unless configured.
 */
public final class HttpSecurity implements Filter {

    private static final HeaderName ALLOW_ORIGIN = HeaderNames.create("Access-Control-Allow-Origin");
    private static final HeaderName ALLOW_METHODS = HeaderNames.create("Access-Control-Allow-Methods");
    private static final HeaderName ALLOW_HEADERS = HeaderNames.create("Access-Control-Allow-Headers");
    private static final HeaderName EXPOSE_HEADERS = HeaderNames.create("Access-Control-Expose-Headers");
    private static final HeaderName MAX_AGE = HeaderNames.create("Access-Control-Max-Age");
    private static final HeaderName REQUEST_METHOD = HeaderNames.create("Access-Control-Request-Method");
    /**
     * The headers every answer carries, built once: a header made per answer cost a REST call its
     * name lookup, value object and encoding four times over.
     */
    private static final List<Header> EVERY_ANSWER = List.of(
            HeaderValues.createCached(HeaderNames.create("X-Content-Type-Options"), "nosniff"),
            HeaderValues.createCached(HeaderNames.create("X-Frame-Options"), "DENY"),
            HeaderValues.createCached(HeaderNames.create("Referrer-Policy"), "no-referrer"),
            HeaderValues.createCached(HeaderNames.create("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'"));
    private static final Header STRICT_TRANSPORT_SECURITY =
            HeaderValues.createCached(HeaderNames.STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");

    /** The CORS settings of {@code finehero.security.cors}. */
    public record Cors(Set<String> allowedOrigins, Duration maxAge) {
        public Cors {
            allowedOrigins = Set.copyOf(allowedOrigins);
            Objects.requireNonNull(maxAge, "maxAge");
        }

        public static Cors from(Config cors) {
            Config node = cors.get("allowed-origins");
            List<String> origins = node.isLeaf()
                    ? Arrays.stream(node.asString().orElse("").split(",")).map(String::strip).filter(o -> !o.isEmpty()).toList()
                    : node.asNodeList().orElse(List.of()).stream().map(o -> o.asString().get().strip()).toList();
            return new Cors(Set.copyOf(origins), ConfigValues.duration(cors, "max-age"));
        }
    }

    private final Cors cors;

    public HttpSecurity(Cors cors) {
        this.cors = Objects.requireNonNull(cors, "cors");
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        for (Header header : EVERY_ANSWER) {
            res.header(header);
        }
        if (req.isSecure()) {
            res.header(STRICT_TRANSPORT_SECURITY);
        }
        String origin = req.headers().first(HeaderNames.ORIGIN).orElse(null);
        if (origin != null && (cors.allowedOrigins().contains(origin) || cors.allowedOrigins().contains("*"))) {
            res.header(ALLOW_ORIGIN, origin);
            res.header(HeaderNames.VARY, "Origin");
            res.header(EXPOSE_HEADERS, "Retry-After, x-request-id, grpc-status, grpc-message");
            if (req.prologue().method() == Method.OPTIONS && req.headers().contains(REQUEST_METHOD)) {
                res.header(ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE");
                res.header(ALLOW_HEADERS, "authorization, x-api-key, content-type, x-request-id, traceparent");
                res.header(MAX_AGE, Long.toString(cors.maxAge().toSeconds()));
                res.status(Status.NO_CONTENT_204).send();
                return;
            }
        }
        chain.proceed();
    }
}
