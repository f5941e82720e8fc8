package com.finehero.client.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.RefreshRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Channel;

/**
 * Sessions saved by {@code finehero login}, one file per server, readable by the user only. A saved
 * session whose access token is about to expire is refreshed (and saved again) before use.
 */
final class Sessions {

    private static final Duration EARLY = Duration.ofSeconds(30);

    private final Path directory;

    Sessions(Path directory) {
        this.directory = directory;
    }

    static Path defaultDirectory() {
        String configHome = System.getenv("XDG_CONFIG_HOME");
        Path base = configHome == null || configHome.isBlank() ? Path.of(System.getProperty("user.home"), ".config") : Path.of(configHome);
        return base.resolve("finehero").resolve("sessions");
    }

    Path file(String target) {
        return directory.resolve(target.replaceAll("[^A-Za-z0-9.-]", "_") + ".json");
    }

    void save(String target, TokenResponse session) {
        try {
            Files.createDirectories(directory);
            Path file = file(target);
            Path temporary = Files.createTempFile(directory, ".session", ".tmp");
            try {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the user's profile directory already restricts access
            }
            Files.writeString(temporary, JsonFormat.printer().print(session));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the session in " + directory, e);
        }
    }

    Optional<TokenResponse> load(String target) {
        Path file = file(target);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            TokenResponse.Builder session = TokenResponse.newBuilder();
            JsonFormat.parser().ignoringUnknownFields().merge(Files.readString(file), session);
            return Optional.of(session.build());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the saved session " + file + " is damaged: run 'finehero login' again", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The consistency token an earlier invocation against {@code target} was given (next to its session
     * file), so this one reads no replica behind that invocation's writes.
     */
    Optional<String> consistencyToken(String target) {
        Path file = consistencyFile(target);
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).strip()).filter(t -> !t.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // only costs reads on the primary
        }
    }

    /** Keeps the newest consistency token for the next invocation; a failure to save is not this command's failure. */
    void saveConsistencyToken(String target, String token) {
        try {
            Files.createDirectories(directory);
            Path temporary = Files.createTempFile(directory, ".consistency", ".tmp");
            Files.writeString(temporary, token);
            Files.move(temporary, consistencyFile(target), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the next invocation then reads from the primary until it writes again
        }
    }

    private Path consistencyFile(String target) {
        return directory.resolve(target.replaceAll("[^A-Za-z0-9.-]", "_") + ".consistency");
    }

    void delete(String target) {
        try {
            Files.deleteIfExists(file(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The saved access token, refreshed first if it is about to expire. */
    Optional<String> accessToken(String target, Channel anonymous) {
        Optional<TokenResponse> saved = load(target);
        if (saved.isEmpty()) {
            return Optional.empty();
        }
        TokenResponse session = saved.get();
        Instant expires = Instant.ofEpochSecond(session.getAccessTokenExpireTime().getSeconds());
        if (Instant.now().plus(EARLY).isAfter(expires)) {
            session = AuthServiceGrpc.newBlockingStub(anonymous)
                    .refresh(RefreshRequest.newBuilder().setRefreshToken(session.getRefreshToken()).build());
            save(target, session);
        }
        return Optional.of(session.getAccessToken());
    }
}
