package com.finehero.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The random secrets FineHero hands out (refresh tokens, API keys) and the hash it keeps of them.
 * With 256 random bits a secret cannot be guessed, so a fast SHA-256 is enough; a slow hash adds nothing.
 */
final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** {@code scheme} followed by 256 random bits, base64url without padding (43 characters). */
    static String draw(String scheme) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return scheme + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** SHA-256 of the secret, in lower-case hex. */
    static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
