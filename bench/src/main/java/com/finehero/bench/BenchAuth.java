package com.finehero.bench;

import com.finehero.client.Credentials;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;

/**
 * How the load tools authenticate: an API key from FINEHERO_BENCH_API_KEY, else an access token from
 * FINEHERO_BENCH_ACCESS_TOKEN (a profile's window then holds no sign-in: its password hash would be a
 * tenth of the samples), else a login as FINEHERO_BENCH_USER (default admin) with
 * FINEHERO_BENCH_PASSWORD (the scripts set both sides).
 */
final class BenchAuth {

    private BenchAuth() {
    }

    static Credentials credentials() {
        String apiKey = System.getenv("FINEHERO_BENCH_API_KEY");
        if (apiKey != null && !apiKey.isBlank()) {
            return Credentials.apiKey(apiKey);
        }
        String token = System.getenv("FINEHERO_BENCH_ACCESS_TOKEN");
        if (token != null && !token.isBlank()) {
            return Credentials.accessToken(token);
        }
        String user = System.getenv().getOrDefault("FINEHERO_BENCH_USER", "admin");
        String password = System.getenv("FINEHERO_BENCH_PASSWORD");
        if (password == null || password.isBlank()) {
            throw new IllegalStateException("set FINEHERO_BENCH_PASSWORD (or FINEHERO_BENCH_API_KEY): the server needs credentials");
        }
        return Credentials.login(user, password);
    }

    /** The channel with credentials on every call. */
    static Channel signedIn(Channel raw) {
        return signedIn(raw, raw);
    }

    /** The channel with credentials on every call, logging in and refreshing over {@code auth}. */
    static Channel signedIn(Channel raw, Channel auth) {
        return ClientInterceptors.intercept(raw, new Credentials.Attach(credentials(), auth));
    }

    /** An access token for REST calls. */
    static String accessToken(Channel raw) {
        if (!(credentials() instanceof Credentials.Login login)) {
            throw new IllegalStateException("REST benchmarks log in: unset FINEHERO_BENCH_API_KEY");
        }
        return login.current(raw).getAccessToken();
    }
}
