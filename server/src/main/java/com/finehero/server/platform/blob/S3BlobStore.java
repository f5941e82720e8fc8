package com.finehero.server.platform.blob;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.finehero.server.platform.errors.FineHeroException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Blobs as the objects of one S3-compatible bucket, each named by its SHA-256. An object appears whole
 * when its PUT succeeds and not at all when it fails, so a broken upload leaves nothing behind; the PUT
 * streams the caller's file with its length known (no buffering in memory), and {@link #open} streams
 * the object's body.
 *
 * <p>An unreachable service, or one answering 5xx, is {@code UNAVAILABLE} to the caller (retry later);
 * refused credentials or a missing bucket are errors of configuration, found at start-up when possible.
 */
final class S3BlobStore implements BlobStore {

    private static final Logger LOG = Logger.getLogger(S3BlobStore.class.getName());
    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final S3Client client;
    private final BlobConfig.S3 config;
    private final String where;

    private S3BlobStore(S3Client client, BlobConfig.S3 config) {
        this.client = client;
        this.config = config;
        this.where = "bucket " + config.bucket() + (config.endpoint().isEmpty() ? " (AWS " + config.region() + ")" : " at " + config.endpoint());
    }

    /**
     * A store on {@code config}'s bucket. A bucket that does not exist or refuses the credentials fails
     * here, naming the key to fix; an unreachable service is logged and start-up goes on (everything but
     * originals works; uploads answer UNAVAILABLE until it returns).
     */
    static S3BlobStore open(BlobConfig.S3 config) {
        Objects.requireNonNull(config, "config");
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                .credentialsProvider(credentials(config))
                // checksums only where an operation requires them: S3-compatible servers that predate the
                // SDK's default CRC32 trailers refuse such PUTs
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (!config.endpoint().isEmpty()) {
            try {
                builder.endpointOverride(URI.create(config.endpoint()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("configuration finehero.blobs.s3.endpoint = '" + config.endpoint()
                        + "' is not a URL (expected: e.g. https://s3.example.com:9000)", e);
            }
        }
        S3BlobStore store = new S3BlobStore(builder.build(), config);
        try {
            store.checkBucket();
        } catch (RuntimeException e) {
            store.client.close();
            throw e;
        }
        return store;
    }

    private static AwsCredentialsProvider credentials(BlobConfig.S3 config) {
        if (config.accessKey().isEmpty()) {
            return DefaultCredentialsProvider.create();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
    }

    private void checkBucket() {
        try {
            client.headBucket(b -> b.bucket(config.bucket()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new IllegalStateException("configuration finehero.blobs.s3.bucket = '" + config.bucket()
                        + "': no such bucket at " + endpointName() + " (create it, or fix the name; env var FINEHERO_BLOBS_S3_BUCKET)");
            }
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw new IllegalStateException("configuration finehero.blobs.s3.access-key / secret-key: " + endpointName()
                        + " refuses them for bucket '" + config.bucket() + "' (HTTP " + e.statusCode() + ")");
            }
            LOG.log(Level.WARNING, "the blob store's " + where + " answered HTTP " + e.statusCode()
                    + " at start-up; uploads of originals fail until it answers");
        } catch (SdkClientException e) {
            LOG.log(Level.WARNING, "the blob store's " + where + " cannot be reached at start-up (" + e.getMessage()
                    + "); uploads of originals answer UNAVAILABLE until it can");
        }
    }

    private String endpointName() {
        return config.endpoint().isEmpty() ? "AWS S3 (" + config.region() + ")" : config.endpoint();
    }

    @Override
    public void put(String sha256, Path file) throws IOException {
        BlobStore.checkedName(sha256);
        if (exists(sha256)) {
            return;
        }
        try {
            client.putObject(b -> b.bucket(config.bucket()).key(sha256).contentType("application/octet-stream"),
                    RequestBody.fromFile(file));
        } catch (S3Exception | SdkClientException e) {
            throw failure("store " + sha256 + " in", e);
        }
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        BlobStore.checkedName(sha256);
        try {
            return client.getObject(b -> b.bucket(config.bucket()).key(sha256));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(sha256, null, "no such object in " + where);
            }
            throw failure("read " + sha256 + " from", e);
        } catch (SdkClientException e) {
            throw failure("read " + sha256 + " from", e);
        }
    }

    @Override
    public boolean exists(String sha256) throws IOException {
        BlobStore.checkedName(sha256);
        try {
            client.headObject(b -> b.bucket(config.bucket()).key(sha256));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("look for " + sha256 + " in", e);
        } catch (SdkClientException e) {
            throw failure("look for " + sha256 + " in", e);
        }
    }

    @Override
    public void delete(String sha256) throws IOException {
        BlobStore.checkedName(sha256);
        try {
            client.deleteObject(b -> b.bucket(config.bucket()).key(sha256));
        } catch (S3Exception | SdkClientException e) {
            throw failure("delete " + sha256 + " from", e);
        }
    }

    /**
     * What a failed call means to the caller: the service down or overloaded (no answer, 5xx, 429) is
     * UNAVAILABLE and worth retrying; any other answer is an error of this store.
     */
    private IOException failure(String action, RuntimeException e) {
        if (e instanceof SdkClientException
                || e instanceof S3Exception s3 && (s3.statusCode() >= 500 || s3.statusCode() == 429)) {
            throw new FineHeroException.Unavailable("BLOB_STORE_UNAVAILABLE",
                    "the store of original files cannot be reached; retry shortly", RETRY_AFTER);
        }
        return new IOException("cannot " + action + " the " + where + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + where + "]";
    }
}
