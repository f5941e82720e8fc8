package com.finehero.server.auth;

import java.lang.System.Logger.Level;
import java.text.ParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;

/**
 * The keys that sign and verify access tokens: RSA (RS256) or Ed25519 (EdDSA), each with a key id.
 * One key signs; every key in the set verifies, so a rotation adds the new key, makes it the signing
 * key, and removes the old one once the tokens it signed have expired. The public halves are served
 * as the JWKS.
 */
final class SigningKeys {

    private static final System.Logger LOG = System.getLogger(SigningKeys.class.getName());

    /** A key that verifies, with the only algorithm it may be used with. */
    record Verifying(JWSAlgorithm algorithm, JWSVerifier verifier) { }

    private final String signingKeyId;
    private final JWSAlgorithm signingAlgorithm;
    private final JWSSigner signer;
    private final Map<String, Verifying> verifiers;
    private final JWKSet publicKeys;

    private SigningKeys(JWK signing, List<JWK> all) {
        try {
            this.signingKeyId = signing.getKeyID();
            this.signingAlgorithm = algorithm(signing);
            this.signer = signing instanceof RSAKey rsa ? new RSASSASigner(rsa) : new Ed25519Signer((OctetKeyPair) signing);
            Map<String, Verifying> byId = new HashMap<>();
            for (JWK key : all) {
                JWSVerifier verifier = key instanceof RSAKey rsa ? new RSASSAVerifier(rsa.toPublicJWK())
                        : new Ed25519Verifier(((OctetKeyPair) key).toPublicJWK());
                byId.put(key.getKeyID(), new Verifying(algorithm(key), verifier));
            }
            this.verifiers = Map.copyOf(byId);
            this.publicKeys = new JWKSet(all.stream().map(JWK::toPublicJWK).toList());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("finehero.auth.jwt.keys: a key cannot be used: " + e.getMessage(), e);
        }
    }

    public static SigningKeys from(AuthConfig config) {
        if (config.jwkSet().isEmpty()) {
            LOG.log(Level.WARNING, "finehero.auth.jwt.keys is not set: signing tokens with a key made for this process; "
                    + "tokens stop working when it restarts, and other instances cannot verify them");
            return ephemeral();
        }
        JWKSet set;
        try {
            set = JWKSet.parse(config.jwkSet());
        } catch (ParseException e) {
            throw new IllegalArgumentException("finehero.auth.jwt.keys is not a JWK set: " + e.getMessage(), e);
        }
        List<JWK> keys = set.getKeys();
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("finehero.auth.jwt.keys holds no keys");
        }
        for (JWK key : keys) {
            if (key.getKeyID() == null || key.getKeyID().isBlank()) {
                throw new IllegalArgumentException("finehero.auth.jwt.keys: every key needs a \"kid\"");
            }
            if (!key.isPrivate()) {
                throw new IllegalArgumentException("finehero.auth.jwt.keys: key " + key.getKeyID() + " has no private part");
            }
            algorithm(key);
        }
        JWK signing = config.signingKeyId().isEmpty() ? keys.getFirst() : set.getKeyByKeyId(config.signingKeyId());
        if (signing == null) {
            throw new IllegalArgumentException("finehero.auth.jwt.signing-key-id " + config.signingKeyId() + " is not in the key set");
        }
        return new SigningKeys(signing, keys);
    }

    /** A fresh Ed25519 key: for the embedded default and tests. */
    static SigningKeys ephemeral() {
        try {
            OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ephemeral-" + UUID.randomUUID()).generate();
            return new SigningKeys(key, List.of(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot make an Ed25519 key", e);
        }
    }

    private static JWSAlgorithm algorithm(JWK key) {
        if (key instanceof RSAKey rsa) {
            if (rsa.size() < 2048) {
                throw new IllegalArgumentException("finehero.auth.jwt.keys: RSA key " + key.getKeyID() + " is shorter than 2048 bits");
            }
            return JWSAlgorithm.RS256;
        }
        if (key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            return JWSAlgorithm.EdDSA;
        }
        throw new IllegalArgumentException("finehero.auth.jwt.keys: key " + key.getKeyID()
                + " is neither RSA (RS256) nor Ed25519 (EdDSA)");
    }

    String signingKeyId() {
        return signingKeyId;
    }

    JWSAlgorithm signingAlgorithm() {
        return signingAlgorithm;
    }

    JWSSigner signer() {
        return signer;
    }

    Verifying verifier(String keyId) {
        return keyId == null ? null : verifiers.get(keyId);
    }

    /** The public keys as a JWKS document. */
    String publicJwks() {
        return publicKeys.toString(true);
    }
}
