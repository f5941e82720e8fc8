package com.finehero.server.platform.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where original files live, outside the database: immutable blobs named by the SHA-256 of their bytes
 * (64 lower-case hex digits), so storing the same bytes twice keeps one copy and a name can never point
 * at other bytes. A blob is written whole or not at all; readers never see a partial one.
 * {@link FileBlobStore} keeps them in a directory.
 */
public interface BlobStore extends AutoCloseable {

    /**
     * Stores the bytes of {@code file} as the blob {@code sha256}, which the caller computed while writing
     * the file. Storing a blob that exists does nothing. The file is left where it is.
     */
    void put(String sha256, Path file) throws IOException;

    /** The blob's bytes; {@link java.nio.file.NoSuchFileException} when there is none. */
    InputStream open(String sha256) throws IOException;

    boolean exists(String sha256) throws IOException;

    /** Removes the blob; nothing when there is none. */
    void delete(String sha256) throws IOException;

    @Override
    default void close() throws IOException {
    }

    /** The name, checked: 64 lower-case hex digits. */
    static String checkedName(String sha256) {
        if (sha256 == null || !Names.SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256: '" + sha256 + "' (expected: 64 lower-case hex digits)");
        }
        return sha256;
    }

    /** Holder of the name pattern (interfaces cannot have private constants). */
    final class Names {
        static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

        private Names() {
        }
    }
}
