package com.finehero.server.platform.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs as files in a directory: {@code <root>/ab/cd/abcd…} (two levels of 256 so no directory grows past
 * a few thousand entries). A blob is copied to {@code <root>/tmp}, forced to disk and then renamed into place
 * atomically, so a crash leaves at most a stray temporary file, never a truncated blob.
 */
public final class FileBlobStore implements BlobStore {

    private final Path root;
    private final Path tmp;
    private final boolean deleteOnClose;

    private FileBlobStore(Path root, boolean deleteOnClose) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
        this.tmp = this.root.resolve("tmp");
        this.deleteOnClose = deleteOnClose;
    }

    /**
     * The blobs in {@code root}, created with the first blob: a server whose root filesystem is read-only
     * and that never receives a PDF starts without one.
     */
    public static FileBlobStore in(Path root) {
        return new FileBlobStore(root, false);
    }

    /** Blobs in a new temporary directory, removed with them at {@link #close()} (an in-memory database's). */
    public static FileBlobStore temporary() throws IOException {
        return new FileBlobStore(Files.createTempDirectory("finehero-blobs-"), true);
    }

    public Path root() {
        return root;
    }

    Path path(String sha256) {
        BlobStore.checkedName(sha256);
        return root.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    @Override
    public void put(String sha256, Path file) throws IOException {
        Path target = path(sha256);
        if (Files.exists(target)) {
            return;
        }
        Files.createDirectories(target.getParent());
        Files.createDirectories(tmp);
        Path part = tmp.resolve(sha256 + "." + UUID.randomUUID() + ".part");
        try {
            Files.copy(file, part);
            try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // stored meanwhile by another upload of the same bytes
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the blob directory " + root + " cannot rename atomically within itself", e);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        return Files.newInputStream(path(sha256));
    }

    @Override
    public boolean exists(String sha256) {
        return Files.exists(path(sha256));
    }

    @Override
    public void delete(String sha256) throws IOException {
        Files.deleteIfExists(path(sha256));
    }

    @Override
    public void close() throws IOException {
        if (!deleteOnClose || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Override
    public String toString() {
        return "FileBlobStore[" + root + "]";
    }
}
