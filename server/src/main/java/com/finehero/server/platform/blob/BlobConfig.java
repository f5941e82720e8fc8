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
 * @param s3         the S3 store's bucket and how to reach it ({@code finehero.blobs.s3.*})
 */
public record BlobConfig(String store, String directory, S3 s3) {

    public static final String FILESYSTEM = "filesystem";
    public static final String S3_STORE = "s3";

    public BlobConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(s3, "s3");
        if (!store.equals(FILESYSTEM) && !store.equals(S3_STORE)) {
            throw new IllegalArgumentException("configuration finehero.blobs.store = '" + store
                    + "' is invalid: expected filesystem or s3 (env var FINEHERO_BLOBS_STORE)");
        }
        if (store.equals(S3_STORE) && s3.bucket().isEmpty()) {
            throw new IllegalArgumentException("configuration finehero.blobs.s3.bucket is empty: finehero.blobs.store = s3"
                    + " needs the bucket's name (env var FINEHERO_BLOBS_S3_BUCKET)");
        }
    }

    /** A filesystem store in {@code directory} (empty: the default place). */
    public BlobConfig(String store, String directory) {
        this(store, directory, S3.NONE);
    }

    /**
     * An S3-compatible bucket ({@code finehero.blobs.s3.*}).
     *
     * @param endpoint   the service's URL, e.g. {@code https://minio.storage:9000}; empty: AWS S3 of {@code region}
     * @param region     the region requests are signed for ({@code us-east-1} suits most S3-compatible servers)
     * @param bucket     the bucket, which must exist; the blobs are its objects named by their SHA-256
     * @param accessKey  the access key id; empty (with an empty secret key): the AWS default credentials chain
     *                   (environment, web identity / IRSA, instance profile)
     * @param secretKey  the secret access key (from a Kubernetes Secret, never the values file)
     * @param pathStyle  {@code <endpoint>/<bucket>/<key>} in place of {@code <bucket>.<endpoint>/<key>}; what
     *                   MinIO, Ceph RGW and most servers without wildcard DNS need
     */
    public record S3(String endpoint, String region, String bucket, String accessKey, String secretKey, boolean pathStyle) {

        static final S3 NONE = new S3("", "us-east-1", "", "", "", true);

        public S3 {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(accessKey, "accessKey");
            Objects.requireNonNull(secretKey, "secretKey");
            if (region == null || region.isBlank()) {
                throw new IllegalArgumentException("configuration finehero.blobs.s3.region is empty (env var FINEHERO_BLOBS_S3_REGION)");
            }
            if (accessKey.isEmpty() != secretKey.isEmpty()) {
                throw new IllegalArgumentException("configuration finehero.blobs.s3.access-key and finehero.blobs.s3.secret-key"
                        + " are set together or not at all (env vars FINEHERO_BLOBS_S3_ACCESS_dash_KEY, FINEHERO_BLOBS_S3_SECRET_dash_KEY)");
            }
        }

        @Override
        public String toString() {
            return "S3[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", pathStyle=" + pathStyle + "]";
        }
    }

    public static BlobConfig from(Config node) {
        Config s3 = node.get("s3");
        return new BlobConfig(ConfigValues.string(node, "store").strip().toLowerCase(Locale.ROOT),
                ConfigValues.string(node, "directory").strip(),
                new S3(ConfigValues.string(s3, "endpoint").strip(), ConfigValues.string(s3, "region").strip(),
                        ConfigValues.string(s3, "bucket").strip(), ConfigValues.string(s3, "access-key").strip(),
                        ConfigValues.string(s3, "secret-key").strip(), ConfigValues.bool(s3, "path-style-access")));
    }

    /**
     * Opens the configured store for a database whose files are {@code embeddedFiles} (an embedded file
     * database), or none ({@code embedded}: an in-memory one; otherwise PostgreSQL). Close it at shutdown.
     * The directory is created with the first blob; an S3 bucket must exist (start-up fails naming
     * {@code finehero.blobs.s3.bucket} when it does not).
     */
    public BlobStore open(Optional<Path> embeddedFiles, boolean embedded) {
        if (store.equals(S3_STORE)) {
            return S3BlobStore.open(s3);
        }
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
