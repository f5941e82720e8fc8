package com.finehero.server.auth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * bcrypt password hashes and the rules a new password must meet. Passwords over bcrypt's 72 bytes are
 * pre-hashed with SHA-512 rather than cut. {@link #verifyNobody} spends the same time as a real check,
 * so an unknown username cannot be told from a wrong password by timing.
 *
 * <p>A new password has at least {@value #MIN_LENGTH} characters and is not one of the 10,000 most
 * common passwords (SecLists' {@code 10k-most-common.txt}, shipped as {@code auth/common-passwords.txt};
 * compared ignoring case).
 */
final class Passwords {

    static final int MIN_LENGTH = 12;
    private static final String COMMON_LIST = "/auth/common-passwords.txt";
    private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;

    /** A rule a password broke: a machine reason and what was expected. */
    record Weakness(String reason, String description) { }

    private final int cost;
    private final BCrypt.Hasher hasher;
    private final BCrypt.Verifyer verifier;
    private final byte[] decoy;
    private final Set<String> common;

    public Passwords(int cost) {
        this.cost = cost;
        this.hasher = BCrypt.with(VERSION, LongPasswordStrategies.hashSha512(VERSION));
        this.verifier = BCrypt.verifyer(VERSION, LongPasswordStrategies.hashSha512(VERSION));
        this.decoy = decoy(cost);
        this.common = readCommonList();
    }

    String hash(String password) {
        return new String(hasher.hash(cost, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** False for a wrong password and for an account without one (reset or deleted), in the same time. */
    boolean verify(String password, String hash) {
        if (hash.isEmpty()) {
            verifyNobody(password);
            return false;
        }
        return verifier.verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
    }

    void verifyNobody(String password) {
        verifier.verify(password.getBytes(StandardCharsets.UTF_8), decoy);
    }

    /** The first rule {@code password} breaks, if any. */
    Optional<Weakness> weakness(String password) {
        int length = password.codePointCount(0, password.length());
        if (length < MIN_LENGTH) {
            return Optional.of(new Weakness("PASSWORD_TOO_SHORT",
                    "is too short: " + length + " characters (expected: at least " + MIN_LENGTH + ")"));
        }
        if (common.contains(password.toLowerCase(Locale.ROOT))) {
            return Optional.of(new Weakness("PASSWORD_TOO_COMMON",
                    "is one of the 10,000 most common passwords (expected: a password not on that list)"));
        }
        return Optional.empty();
    }

    /** INVALID_ARGUMENT naming the field and the rule, if {@code password} breaks one. */
    void requireAcceptable(String field, String password) {
        weakness(password).ifPresent(weak -> {
            throw new FineHeroException.InvalidArgument(weak.reason(), field + ": " + weak.description(),
                    List.of(new FineHeroException.FieldViolation(field, weak.description())));
        });
    }

    /**
     * A hash no password matches, at {@code cost}. Checking a password against a bcrypt hash costs the
     * same whatever salt and digest it holds, so random ones serve, and start-up spends no hash on them
     * (at cost 12, about 0.25 s of CPU on one core).
     */
    static byte[] decoy(int cost) {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] digest = new byte[23];
        random.nextBytes(salt);
        random.nextBytes(digest);
        return VERSION.formatter.createHashMessage(new BCrypt.HashData(cost, VERSION, salt, digest));
    }

    private static Set<String> readCommonList() {
        try (InputStream in = Passwords.class.getResourceAsStream(COMMON_LIST)) {
            if (in == null) {
                throw new IllegalStateException(COMMON_LIST + " is missing from the class path");
            }
            Set<String> words = new HashSet<>(16_384);
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    words.add(line.strip().toLowerCase(Locale.ROOT));
                }
            }
            return Set.copyOf(words);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + COMMON_LIST + " failed", e);
        }
    }
}
