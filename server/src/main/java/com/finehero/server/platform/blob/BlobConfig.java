package com.finehero.server.platform.blob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * Where original files are kept ({@code finehero.blobs.*}).
 *
 * @param store      {@code filesystem} (the default) or {@code s3}
 * @param directory  the filesystem store's directory; empty: beside the embedded database's files
 *                   ({@code <database>.blobs}), a temporary directory for an in-memory database, and
 *                   {@code ./data/blobs} with PostgreSQL (give every instance the same shared volume, or use s3)
 */
public record BlobConfig(String store, String directory) {

    public static final String FILESYSTEM = "filesystem";

    public BlobConfig {
        Objects.requireNonNull(directory, "directory");
        if (!store.equals(FILESYSTEM)) {
            throw new IllegalArgumentException("configuration finehero.blobs.store = '" + store
                    + "' is invalid: expected filesystem (env var FINEHERO_BLOBS_STORE)");
        }
    }

    public static BlobConfig from(Config node) {
        return new BlobConfig(ConfigValues.string(node, "store").strip().toLowerCase(Locale.ROOT),
                ConfigValues.string(node, "directory").strip());
    }

    /**
     * Opens the configured store for a database whose files are {@code embeddedFiles} (an embedded file
     * database), or none ({@code embedded}: an in-memory one; otherwise PostgreSQL). Close it at shutdown.
     * The directory is created with the first blob.
     */
    public BlobStore open(Optional<Path> embeddedFiles, boolean embedded) {
        try {
            if (!directory.isEmpty()) {
                return FileBlobStore.in(Path.of(directory));
            }
            if (embeddedFiles.isPresent()) {
                Path files = embeddedFiles.get();
                return FileBlobStore.in(files.resolveSibling(files.getFileName() + ".blobs"));
            }
            return embedded ? FileBlobStore.temporary() : FileBlobStore.in(Path.of("data", "blobs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the blob directory (finehero.blobs.directory): " + e.getMessage(), e);
        }
    }
}
