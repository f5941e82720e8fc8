package com.finehero.server.auth;

import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

/**
 * {@code finehero-server new-signing-key [--rsa] [--kid ID]}: prints a private JWK set with one new
 * signing key, for {@code FINEHERO_AUTH_JWT_KEYS} (to rotate, merge its key into the existing set).
 * Its own entry point: it needs no configuration, database or logging set-up.
 */
public final class NewSigningKey {

    private NewSigningKey() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> options = Arrays.asList(args);
        if (options.isEmpty() || !options.getFirst().equals("new-signing-key") || options.contains("--help")) {
            err.println("usage: finehero-server [new-signing-key [--rsa] [--kid ID]]");
            err.println("  with no arguments: run the server");
            err.println("  new-signing-key: print a private JWK set (Ed25519, or RSA 2048 with --rsa) for FINEHERO_AUTH_JWT_KEYS");
            return options.contains("--help") ? 0 : 2;
        }
        int kidAt = options.indexOf("--kid");
        String kid = kidAt >= 0 && kidAt + 1 < options.size() ? options.get(kidAt + 1) : "finehero-" + LocalDate.now();
        try {
            JWK key = options.contains("--rsa") ? new RSAKeyGenerator(2048).keyID(kid).generate()
                    : new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
            out.println(new JWKSet(key).toString(false));
            return 0;
        } catch (JOSEException e) {
            err.println("cannot make a key: " + e.getMessage());
            return 1;
        }
    }
}
