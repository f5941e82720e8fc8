package com.finehero.server.platform.security;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.errors.FineHeroException;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Metadata;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Who sees what under the observe endpoint: health answers everyone (probes call it without
 * credentials) but only admins and analysts get its component details, which name hosts and carry
 * error text; metrics (per-RPC figures) answer admins and analysts only, with a bearer access token or
 * an API key like any call.
 */
public final class ObserveAccess implements Filter {

    private final CallGate gate;
    /** The paths, built once: this filter sees every HTTP request, REST calls included. */
    private final String healthPath;
    private final String underHealth;
    private final String metricsPath;
    private final String underMetrics;

    /** @param endpoint the observe feature's path, e.g. {@code /observe} */
    public ObserveAccess(CallGate gate, String endpoint) {
        this.gate = Objects.requireNonNull(gate, "gate");
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.healthPath = base + "/health";
        this.underHealth = healthPath + "/";
        this.metricsPath = base + "/metrics";
        this.underMetrics = metricsPath + "/";
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        boolean health = path.equals(healthPath) || path.startsWith(underHealth);
        boolean metrics = path.equals(metricsPath) || path.startsWith(underMetrics);
        if (!health && !metrics) {
            chain.proceed();
            return;
        }
        Principal caller;
        try {
            caller = gate.authenticate(credentials(req));
        } catch (FineHeroException e) {
            caller = Principal.ANONYMOUS;
        }
        boolean privileged = caller.has(Role.ROLE_ADMIN) || caller.has(Role.ROLE_ANALYST);
        if (privileged) {
            chain.proceed();
        } else if (health) {
            res.streamFilter(StatusOnly::new);
            chain.proceed();
        } else {
            res.status(caller.anonymous() ? Status.UNAUTHORIZED_401 : Status.FORBIDDEN_403);
            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
            res.send(caller.anonymous()
                    ? "metrics need an admin's or analyst's credentials: 'authorization: Bearer <token>' or 'x-api-key: <key>'"
                    : "metrics are for admins and analysts; your roles are " + caller.roles());
        }
    }

    private static Metadata credentials(RoutingRequest req) {
        Metadata metadata = new Metadata();
        req.headers().first(HeaderNames.AUTHORIZATION).ifPresent(v -> metadata.put(Authenticator.AUTHORIZATION, v));
        req.headers().first(HeaderNames.create("x-api-key")).ifPresent(v -> metadata.put(Authenticator.API_KEY, v));
        return metadata;
    }

    /** Keeps only the overall status of a health answer; an empty or unreadable one passes as it is. */
    private static final class StatusOnly extends FilterOutputStream {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        StatusOnly(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) {
            body.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            body.write(b, off, len);
        }

        @Override
        public void flush() {
            // held until close: the answer is rewritten whole
        }

        @Override
        public void close() throws IOException {
            byte[] bytes = body.toByteArray();
            try {
                JsonObject full = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8)).getAsJsonObject();
                JsonObject summary = new JsonObject();
                summary.add("status", full.get("status"));
                bytes = summary.toString().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException notJson) {
                // not a health document (no content, or an error page): nothing to hide
            }
            out.write(bytes);
            out.flush();
            out.close();
        }
    }
}
