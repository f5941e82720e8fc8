package com.finehero.server.auth;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.LogoutRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.ListFinesRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.TestKeys;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.finehero.server.testing.GrpcErrors.failure;
import static com.finehero.server.testing.GrpcErrors.reason;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad credential, on gRPC and REST: UNAUTHENTICATED / 401 with a reason a client can act
 * on, never a 500, never the credential echoed back. Tokens are forged with the server's real key
 * where the point is a claim, and with other keys where the point is the signature.
 */
class BadCredentialsTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2).with("finehero.auth.jwt.keys", TestKeys.JWK_SET);

    private static RSAKey serverKey;
    private static TokenResponse session;

    @BeforeAll
    static void keys() throws Exception {
        serverKey = (RSAKey) JWKSet.parse(TestKeys.JWK_SET).getKeys().getFirst();
        session = AuthServiceGrpc.newBlockingStub(APP.anonymousChannel()).login(LoginRequest.newBuilder()
                .setUsername(FineHeroExtension.ADMIN_USERNAME).setPassword(FineHeroExtension.ADMIN_PASSWORD).build());
    }

    record Case(String name, Function<Instant, Map<String, String>> headers, String reason) { }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder().issuer("finehero").audience("finehero-api").subject(session.getUser().getUserId())
                .claim("name", "admin").claim("roles", List.of("ROLE_ADMIN")).jwtID(java.util.UUID.randomUUID().toString())
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)));
    }

    private static String signed(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(new JOSEObjectType("at+jwt")).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static RSAKey otherKeyWithTheSameId() {
        try {
            return new RSAKeyGenerator(2048).keyID(serverKey.getKeyID()).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("no credentials", now -> Map.of(), "CREDENTIALS_MISSING"),
                new Case("not a JWT", now -> Map.of("authorization", bearer("abc.def")), "TOKEN_INVALID"),
                new Case("not a bearer scheme", now -> Map.of("authorization", "Basic YWRtaW46YWRtaW4="), "AUTHORIZATION_MALFORMED"),
                new Case("empty bearer", now -> Map.of("authorization", "Bearer "), "AUTHORIZATION_MALFORMED"),
                new Case("expired", now -> Map.of("authorization", bearer(signed(claims(now.minusSeconds(3600))
                        .expirationTime(Date.from(now.minusSeconds(600))).build(), serverKey))), "TOKEN_EXPIRED"),
                new Case("not yet valid", now -> Map.of("authorization", bearer(signed(claims(now)
                        .notBeforeTime(Date.from(now.plusSeconds(600))).build(), serverKey))), "TOKEN_INVALID"),
                new Case("issued in the future", now -> Map.of("authorization", bearer(signed(claims(now.plusSeconds(600)).build(), serverKey))), "TOKEN_INVALID"),
                new Case("wrong audience", now -> Map.of("authorization", bearer(signed(claims(now).audience("someone-else").build(), serverKey))), "TOKEN_INVALID"),
                new Case("wrong issuer", now -> Map.of("authorization", bearer(signed(claims(now).issuer("evil").build(), serverKey))), "TOKEN_INVALID"),
                new Case("no roles", now -> Map.of("authorization", bearer(signed(claims(now).claim("roles", List.of()).build(), serverKey))), "TOKEN_INVALID"),
                new Case("signed by another key", now -> Map.of("authorization", bearer(signed(claims(now).build(), otherKeyWithTheSameId()))), "TOKEN_INVALID"),
                new Case("alg none", now -> Map.of("authorization", bearer(new PlainJWT(claims(now).build()).serialize())), "TOKEN_INVALID"),
                new Case("HS256 keyed with the public key", now -> Map.of("authorization", bearer(hs256WithPublicKey(claims(now).build()))), "TOKEN_INVALID"),
                new Case("tampered payload", now -> Map.of("authorization", bearer(tampered(session.getAccessToken()))), "TOKEN_INVALID"),
                new Case("oversized", now -> Map.of("authorization", bearer("a".repeat(9000))), "TOKEN_INVALID"),
                new Case("malformed API key", now -> Map.of("x-api-key", "fh_short"), "API_KEY_INVALID"),
                new Case("unknown API key", now -> Map.of("x-api-key", "fh_" + "A".repeat(43)), "API_KEY_INVALID"),
                new Case("token and API key", now -> Map.of("authorization", bearer(session.getAccessToken()), "x-api-key", "fh_" + "A".repeat(43)),
                        "CREDENTIALS_AMBIGUOUS"));
    }

    private static String hs256WithPublicKey(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(serverKey.getKeyID()).build(), claims);
            jwt.sign(new MACSigner(serverKey.toRSAPublicKey().getEncoded()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The real token with its roles claim rewritten, the signature kept. */
    private static String tampered(String token) {
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"ROLE_ADMIN\"", "\"ROLE_ADMIN\",\"ROLE_ANALYST\"");
        return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
    }

    @TestFactory
    Stream<DynamicTest> grpc() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Metadata headers = new Metadata();
            c.headers().apply(APP.clock().instant()).forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
            var fines = FinesServiceGrpc.newBlockingStub(APP.anonymousChannel()).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            StatusRuntimeException refused = failure(Status.Code.UNAUTHENTICATED, () -> fines.listFines(ListFinesRequest.getDefaultInstance()));
            assertThat(reason(refused)).isEqualTo(c.reason());
            headers.keys().stream().map(k -> headers.get(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER)).replace("Bearer ", ""))
                    .filter(secret -> secret.length() > 3)
                    .forEach(secret -> assertThat(refused.getStatus().getDescription()).doesNotContain(secret));
        }));
    }

    @TestFactory
    Stream<DynamicTest> rest() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(APP.uri("/v1/fines")).GET();
            c.headers().apply(APP.clock().instant()).forEach(request::header);
            HttpResponse<String> response = APP.sendAnonymous(request.build());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
            assertThat(response.body()).contains(c.reason());
        }));
    }

    @Test
    void aGoodTokenIsAcceptedWhateverTheSchemesCaseAndTheSpacesAroundIt() {
        for (String authorization : List.of("bearer " + session.getAccessToken(), "BEARER   " + session.getAccessToken(),
                "Bearer " + session.getAccessToken() + "   ")) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
            var fines = FinesServiceGrpc.newBlockingStub(APP.anonymousChannel()).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            assertThat(fines.listFines(ListFinesRequest.getDefaultInstance())).as(authorization.substring(0, 12)).isNotNull();
        }
    }

    @Test
    void aRevokedTokenIsRefusedWithItsOwnReason() {
        TokenResponse mine = AuthServiceGrpc.newBlockingStub(APP.anonymousChannel()).login(LoginRequest.newBuilder()
                .setUsername(FineHeroExtension.ADMIN_USERNAME).setPassword(FineHeroExtension.ADMIN_PASSWORD).build());
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), bearer(mine.getAccessToken()));
        var auth = AuthServiceGrpc.newBlockingStub(APP.anonymousChannel()).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        auth.logout(LogoutRequest.getDefaultInstance());
        assertThat(reason(failure(Status.Code.UNAUTHENTICATED, () -> auth.logout(LogoutRequest.getDefaultInstance())))).isEqualTo("TOKEN_REVOKED");
    }

    @Test
    void theJwksPublishesTheVerifyingKeyWithoutItsPrivatePart() throws Exception {
        HttpResponse<String> jwks = APP.sendAnonymous(HttpRequest.newBuilder(APP.uri("/.well-known/jwks.json")).GET().build());
        assertThat(jwks.statusCode()).isEqualTo(200);
        RSAKey published = (RSAKey) JWKSet.parse(jwks.body()).getKeys().getFirst();
        assertThat(published.isPrivate()).isFalse();
        assertThat(published.getKeyID()).isEqualTo(serverKey.getKeyID());
        assertThat(SignedJWT.parse(session.getAccessToken()).verify(new com.nimbusds.jose.crypto.RSASSAVerifier(published))).isTrue();
    }
}
