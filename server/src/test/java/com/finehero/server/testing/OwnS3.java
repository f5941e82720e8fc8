package com.finehero.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An S3-compatible server of a test's own: s3proxy ({@code org.gaul:s3proxy}, copied to
 * {@code target/s3proxy} by the build) with its filesystem backend in a temporary directory, on a free
 * port, run by this JVM's {@code java} as a child process and stopped by its process id only. Objects
 * survive a {@link #stop()} and {@link #start()}; the bucket {@link #BUCKET} exists from the start.
 *
 * <pre>{@code
 * static final OwnS3 S3 = OwnS3.start();     // @AfterAll: S3.close()
 * .with("finehero.blobs.s3.endpoint", S3.endpoint()) ...; S3.stop(); S3.start(); S3.objects();
 * }</pre>
 */
public final class OwnS3 implements AutoCloseable {

    public static final String BUCKET = "finehero-test";
    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";

    /** s3proxy's start-up takes some 30 s on a loaded two-core machine. */
    private static final Duration WAIT = Duration.ofSeconds(180);

    private final Path directory;
    private final Path data;
    private final int port;
    private final Thread onExit;
    private volatile Process process;

    private OwnS3(Path directory, int port) {
        this.directory = directory;
        this.data = directory.resolve("data");
        this.port = port;
        this.onExit = new Thread(this::destroyQuietly, "own-s3-cleanup-" + port);
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** Starts s3proxy on a free port with {@link #BUCKET}; returns once it accepts connections. */
    public static OwnS3 start() {
        try {
            Path directory = Files.createTempDirectory("own-s3-");
            Files.createDirectories(directory.resolve("data").resolve(BUCKET)); // the filesystem backend's bucket
            int port = ChildServer.freePort();
            Files.writeString(directory.resolve("s3proxy.properties"), String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + directory.resolve("data"),
                    ""));
            OwnS3 s3 = new OwnS3(directory, port);
            s3.startServer();
            return s3;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, for {@code finehero.blobs.s3.endpoint}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The server's process id; -1 when it is not running. */
    public long pid() {
        Process current = process;
        return current != null && current.isAlive() ? current.pid() : -1;
    }

    /** Starts the server (again) on the same port and data; returns once it accepts connections. */
    public synchronized void startServer() {
        if (pid() > 0) {
            throw new IllegalStateException("s3proxy on port " + port + " is already running");
        }
        Path jar = Path.of(System.getProperty("finehero.test.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the build copies it (maven-dependency-plugin copy-s3proxy)");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            process = new ProcessBuilder(List.of(java, "-Xmx192m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                    "--properties", directory.resolve("s3proxy.properties").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start s3proxy", e);
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!accepts()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("s3proxy on port " + port + " did not start; see " + log());
            }
            sleep(200);
        }
    }

    /** SIGTERM to the process and waits for its exit: connections are refused until {@link #startServer}. */
    public void stop() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            throw new IllegalStateException("s3proxy on port " + port + " is not running");
        }
        current.destroy();
        try {
            if (!current.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                current.destroyForcibly();
                current.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The names of the objects in {@link #BUCKET}, read from the backend's directory. */
    public List<String> objects() {
        try (Stream<Path> files = Files.walk(data.resolve(BUCKET))) {
            return files.filter(Files::isRegularFile).map(p -> data.resolve(BUCKET).relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path log() {
        return directory.resolve("s3proxy.log");
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void destroyQuietly() {
        Process current = process;
        if (current != null && current.isAlive()) {
            current.destroyForcibly();
        }
    }

    @Override
    public void close() {
        destroyQuietly();
        Process current = process;
        if (current != null) {
            try {
                current.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // a temporary directory
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
