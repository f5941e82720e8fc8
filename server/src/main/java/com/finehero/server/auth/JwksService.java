package com.finehero.server.auth;

import java.util.Objects;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/** Publishes the public keys that verify access tokens, where OAuth tooling looks for them. */
final class JwksService implements HttpService {

    public static final String PATH = "/.well-known/jwks.json";

    private final String jwks;

    public JwksService(SigningKeys keys) {
        this.jwks = Objects.requireNonNull(keys, "keys").publicJwks();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(PATH, (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "application/jwk-set+json");
            res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300");
            res.send(jwks);
        });
    }
}
