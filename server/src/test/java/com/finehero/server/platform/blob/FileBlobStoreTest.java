package com.finehero.server.platform.blob;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The filesystem store: content-addressed, whole or absent, its directory made with the first blob. */
class FileBlobStoreTest {

    @TempDir
    Path dir;

    @Test
    void storesReadsAndRemovesABlobByItsSha256() throws Exception {
        Path root = dir.resolve("blobs");
        FileBlobStore store = FileBlobStore.in(root);
        assertThat(root).as("nothing is created before the first blob").doesNotExist();

        byte[] bytes = "the original bytes".getBytes();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Path source = Files.write(dir.resolve("upload.part"), bytes);
        store.put(sha, source);
        store.put(sha, source); // the same bytes again: nothing changes
        assertThat(store.exists(sha)).isTrue();
        assertThat(store.path(sha)).isEqualTo(root.resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha));
        try (InputStream in = store.open(sha)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
        assertThat(source).as("the caller's file is left where it is").exists();
        try (Stream<Path> parts = Files.list(root.resolve("tmp"))) {
            assertThat(parts).as("no temporary file stays behind").isEmpty();
        }

        store.delete(sha);
        assertThat(store.exists(sha)).isFalse();
        assertThatThrownBy(() -> store.open(sha)).isInstanceOf(NoSuchFileException.class);
        store.delete(sha); // absent: nothing to do
    }

    @Test
    void aNameThatIsNoSha256IsRefused() {
        FileBlobStore store = FileBlobStore.in(dir);
        assertThatThrownBy(() -> store.open("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64 lower-case hex digits");
    }

    @Test
    void aTemporaryStoreIsRemovedAtClose() throws Exception {
        FileBlobStore store = FileBlobStore.temporary();
        Path file = Files.write(dir.resolve("x"), new byte[] {1});
        store.put("a".repeat(64), file);
        store.close();
        assertThat(store.root()).doesNotExist();
    }
}
