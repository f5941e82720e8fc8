package com.finehero.server.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

/** One RSA signing key per test JVM, configured the way production configures keys. */
public final class TestKeys {

    public static final String JWK_SET = generate();

    private TestKeys() {
    }

    private static String generate() {
        try {
            return new JWKSet(new RSAKeyGenerator(2048).keyID("test-rsa-1").generate()).toString(false);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
