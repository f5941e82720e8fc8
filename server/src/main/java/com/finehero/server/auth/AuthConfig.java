package com.finehero.server.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Settings of {@code finehero.auth}.
 *
 * @param enabled          false turns authentication and access checks off (benchmark baselines only)
 * @param jwkSet           private signing keys as a JWK set (JSON); empty = an ephemeral key per process
 * @param signingKeyId     the key that signs; empty = the first in the set (the others still verify)
 * @param revocationCheck  how long an instance may rely on what it last read of the deny-list and API keys
 * @param revocationSweep  how often expired entries are dropped from this instance's deny-list
 * @param passwordResetTtl how long a reset token from ResetPassword works
 * @param bootstrapMustChangePassword the bootstrap admin must change the configured password before signing in
 */
public record AuthConfig(boolean enabled, String issuer, String audience, Duration accessTokenTtl, Duration refreshTokenTtl,
                         int bcryptCost, Duration revocationCheck, Duration revocationSweep, Duration passwordResetTtl,
                         String jwkSet, String signingKeyId, String bootstrapUsername, String bootstrapPassword,
                         boolean bootstrapMustChangePassword) {

    public AuthConfig {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(passwordResetTtl, "passwordResetTtl");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(revocationSweep, "revocationSweep");
        Objects.requireNonNull(jwkSet, "jwkSet");
        Objects.requireNonNull(signingKeyId, "signingKeyId");
        Objects.requireNonNull(bootstrapUsername, "bootstrapUsername");
        Objects.requireNonNull(bootstrapPassword, "bootstrapPassword");
    }

    public static AuthConfig from(Config auth) {
        Config jwt = auth.get("jwt");
        String keys = ConfigValues.string(jwt, "keys");
        String keysFile = ConfigValues.string(jwt, "keys-file");
        if (keys.isBlank() && !keysFile.isBlank()) {
            try {
                keys = Files.readString(Path.of(keysFile));
            } catch (IOException e) {
                throw new UncheckedIOException("finehero.auth.jwt.keys-file " + keysFile + " cannot be read", e);
            }
        }
        Config admin = auth.get("bootstrap-admin");
        return new AuthConfig(
                ConfigValues.bool(auth, "enabled"),
                ConfigValues.string(auth, "issuer"),
                ConfigValues.string(auth, "audience"),
                ConfigValues.duration(auth, "access-token-ttl"),
                ConfigValues.duration(auth, "refresh-token-ttl"),
                ConfigValues.intInRange(auth, "bcrypt-cost", 4, 16),
                ConfigValues.duration(auth, "revocation-check"),
                ConfigValues.duration(auth, "revocation-sweep"),
                ConfigValues.duration(auth, "password-reset-ttl"),
                keys.strip(),
                ConfigValues.string(jwt, "signing-key-id"),
                ConfigValues.string(admin, "username"),
                ConfigValues.string(admin, "password"),
                ConfigValues.bool(admin, "must-change-password"));
    }
}
