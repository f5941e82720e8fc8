package com.finehero.server.platform.security;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.finehero.api.auth.v1.GetMeRequest;
import com.finehero.client.Credentials;
import com.finehero.client.FineHeroClient;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The server serves TLS from configured key material (as docs/operations.md says), gRPC and HTTPS on one port. */
class TlsTest {

    private static final Path DIR = createDir();
    private static final Path KEYSTORE = DIR.resolve("server.p12");
    private static final Path CERTIFICATE = DIR.resolve("server.pem");
    private static final String PASSPHRASE_KEY = "server.tls.private-key.keystore.passphrase";
    private static final String PATH_KEY = "server.tls.private-key.keystore.resource.path";
    private static final String ALIAS_KEY = "server.tls.private-key.keystore.key.alias";

    static {
        keytool("-genkeypair", "-alias", "finehero", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", KEYSTORE.toString(), "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "finehero", "-keystore", KEYSTORE.toString(), "-storepass", "changeit",
                "-file", CERTIFICATE.toString());
    }

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2)
            .with(PASSPHRASE_KEY, "changeit")
            .with(PATH_KEY, KEYSTORE.toString())
            .with(ALIAS_KEY, "finehero");

    @Test
    void operationsDocumentsTheKeysThisTestConfigures() throws IOException {
        String operations = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("docs/operations.md"));
        assertThat(operations).contains("| `" + PASSPHRASE_KEY + "` |", "| `" + PATH_KEY + "` |", "| `" + ALIAS_KEY + "` |");
    }

    @Test
    void grpcAndHttpsAnswerOverTlsWithHsts() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(KEYSTORE)) {
            trust.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, trustManagers.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> health = https.send(HttpRequest.newBuilder(java.net.URI.create("https://localhost:" + APP.port()
                + "/observe/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("strict-transport-security")).hasValueSatisfying(v -> assertThat(v).contains("max-age="));
        try (FineHeroClient client = FineHeroClient.builder().target("localhost", APP.port()).tls(CERTIFICATE)
                .credentials(Credentials.login(FineHeroExtension.ADMIN_USERNAME, FineHeroExtension.ADMIN_PASSWORD)).build()) {
            assertThat(com.finehero.api.auth.v1.AuthServiceGrpc.newBlockingStub(client.channel())
                    .getMe(GetMeRequest.getDefaultInstance()).getUser().getUsername()).isEqualTo("admin");
        }
    }

    private static Path createDir() {
        try {
            return Files.createTempDirectory("finehero-tls");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void keytool(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
