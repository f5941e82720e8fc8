package com.finehero.server.auth;

import java.nio.charset.StandardCharsets;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;

/**
 * bcrypt password hashes. Passwords over bcrypt's 72 bytes are pre-hashed with SHA-512 rather than
 * cut. {@link #verifyNobody} spends the same time as a real check, so an unknown username cannot be
 * told from a wrong password by timing.
 */
public final class Passwords {

    private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;

    private final int cost;
    private final BCrypt.Hasher hasher;
    private final BCrypt.Verifyer verifier;
    private final byte[] decoy;

    public Passwords(int cost) {
        this.cost = cost;
        this.hasher = BCrypt.with(VERSION, LongPasswordStrategies.hashSha512(VERSION));
        this.verifier = BCrypt.verifyer(VERSION, LongPasswordStrategies.hashSha512(VERSION));
        this.decoy = hasher.hash(cost, "decoy password never used".getBytes(StandardCharsets.UTF_8));
    }

    String hash(String password) {
        return new String(hasher.hash(cost, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    boolean verify(String password, String hash) {
        return verifier.verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
    }

    void verifyNobody(String password) {
        verifier.verify(password.getBytes(StandardCharsets.UTF_8), decoy);
    }
}
