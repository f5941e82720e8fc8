package com.finehero.server.documents;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.google.protobuf.ByteString;

/**
 * An upload on its way in: its chunks go to a temporary file as they arrive, hashed (SHA-256) and counted
 * on the way, so no upload is held in memory. {@link #close()} removes the file; call it however the
 * upload ends.
 */
final class Spool implements AutoCloseable {

    private final Path file;
    private final MessageDigest digest;
    private final OutputStream out;
    private long size;
    private String sha256;

    private Spool(Path file) throws IOException {
        this.file = file;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        this.out = new DigestOutputStream(Files.newOutputStream(file), digest);
    }

    static Spool create() {
        try {
            return new Spool(Files.createTempFile("finehero-upload-", ".part"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an upload's temporary file", e);
        }
    }

    void write(ByteString chunk) {
        try {
            chunk.writeTo(out);
            size += chunk.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an upload's temporary file", e);
        }
    }

    /** The spool as a stream to write to, for content FineHero makes itself (a report); the same counting and hashing. */
    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                size++;
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                size += length;
            }

            @Override
            public void close() {
                // finish() closes the file
            }
        };
    }

    long size() {
        return size;
    }

    /** Ends the writing; the file is complete, and its SHA-256 (hex) known. */
    String finish() {
        if (sha256 == null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write an upload's temporary file", e);
            }
            sha256 = HexFormat.of().formatHex(digest.digest());
        }
        return sha256;
    }

    Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // the file goes next either way
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove an upload's temporary file " + file, e);
        }
    }
}
