package com.finehero.server.testing;

import java.util.Objects;

import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import io.grpc.Channel;

/** A test user's login: their id, a logged-in client, and their current access token. */
public final class TestSession implements AutoCloseable {

    private final String username;
    private final String password;
    private final String userId;
    private final Credentials.Login credentials;
    private final FineHeroClient client;

    TestSession(String username, String password, java.time.Clock clock) {
        this.username = username;
        this.password = password;
        this.userId = "";
        this.credentials = (Credentials.Login) Credentials.login(username, password, clock);
        this.client = null;
    }

    TestSession(String username, String password, String userId, FineHeroExtension app) {
        this.username = username;
        this.password = password;
        this.userId = Objects.requireNonNull(userId, "userId");
        this.credentials = (Credentials.Login) Credentials.login(username, password, app.clock());
        this.client = FineHeroClient.builder().target("127.0.0.1", app.port())
                .deadline(java.time.Duration.ofSeconds(20)).credentials(credentials).build();
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public String userId() {
        return userId;
    }

    Credentials.Login credentials() {
        return credentials;
    }

    /** A client calling as this user. */
    public FineHeroClient client() {
        return Objects.requireNonNull(client, "the admin session uses the extension's client");
    }

    public Channel channel() {
        return client().channel();
    }

    /** The session's access token (logging in first if needed), for REST calls. */
    public String accessToken(Channel anonymous) {
        return credentials.current(anonymous).getAccessToken();
    }

    public String accessToken() {
        return accessToken(client().anonymousChannel());
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
