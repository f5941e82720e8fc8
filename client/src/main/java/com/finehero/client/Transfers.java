package com.finehero.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.DownloadDocumentRequest;
import com.finehero.api.documents.v1.DownloadDocumentResponse;
import com.finehero.api.documents.v1.UploadDocumentRequest;
import com.finehero.api.documents.v1.UploadHeader;
import com.finehero.api.tasks.v1.Task;
import com.finehero.api.tasks.v1.TaskState;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.finehero.api.tasks.v1.WatchTaskRequest;
import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

/**
 * The streaming calls as plain Java: a document uploaded from a file or stream and downloaded into
 * one, a task followed to its end. Failures arrive as {@link FineHeroException}s.
 */
public final class Transfers {

    /** Told how far a transfer is: {@code done} bytes of {@code total} (-1 when unknown). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);

        static Progress none() {
            return (done, total) -> { };
        }
    }

    /** The server takes at most 1 MiB per upload message; 256 KiB keeps memory small and progress smooth. */
    static final int CHUNK_BYTES = 256 * 1024;

    private final Channel calls;

    Transfers(Channel calls) {
        this.calls = calls;
    }

    /**
     * The content type a file's name says: {@code application/pdf} for {@code .pdf}, {@code text/markdown}
     * for {@code .md} and {@code .markdown}, {@code text/plain} for anything else.
     */
    public static String contentTypeOf(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".pdf")) {
            return "application/pdf";
        }
        if (name.endsWith(".md") || name.endsWith(".markdown")) {
            return "text/markdown";
        }
        return "text/plain";
    }

    Document upload(UploadHeader header, Path file, Progress progress) {
        try {
            long size = Files.size(file);
            UploadHeader checked = header;
            if (header.getDocument().getContentType().isEmpty()) {
                checked = header.toBuilder().setDocument(header.getDocument().toBuilder().setContentType(contentTypeOf(file))).build();
            }
            if (header.getChecksumSha256().isEmpty()) {
                MessageDigest sha256 = sha256();
                try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                checked = checked.toBuilder().setChecksumSha256(HexFormat.of().formatHex(sha256.digest())).build();
            }
            try (InputStream in = Files.newInputStream(file)) {
                return upload(checked, in, size, progress);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    Document upload(UploadHeader header, InputStream content, long size, Progress progress) {
        CompletableFuture<Document> result = new CompletableFuture<>();
        StreamObserver<UploadDocumentRequest> requests = DocumentsServiceGrpc.newStub(calls).uploadDocument(new StreamObserver<>() {
            @Override
            public void onNext(Document document) {
                result.complete(document);
            }

            @Override
            public void onError(Throwable failure) {
                result.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
                result.completeExceptionally(new IllegalStateException("the server ended the upload without a document"));
            }
        });
        try {
            requests.onNext(UploadDocumentRequest.newBuilder().setHeader(header).build());
            byte[] buffer = new byte[CHUNK_BYTES];
            long sent = 0;
            for (int n; !result.isDone() && (n = content.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                requests.onNext(UploadDocumentRequest.newBuilder().setChunk(ByteString.copyFrom(buffer, 0, n)).build());
                sent += n;
                progress.update(sent, size);
            }
            requests.onCompleted();
        } catch (IOException e) {
            requests.onError(e);
            throw new UncheckedIOException("cannot read the upload's content: " + e.getMessage(), e);
        }
        return await(result);
    }

    Document download(DownloadDocumentRequest request, Path file, Progress progress) {
        Path partial = file.resolveSibling(file.getFileName() + ".part");
        try {
            Document document;
            try (OutputStream out = Files.newOutputStream(partial)) {
                document = download(request, out, progress);
            }
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
            return document;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // a leftover .part file is visible and harmless
            }
        }
    }

    Document download(DownloadDocumentRequest request, OutputStream out, Progress progress) {
        Document document = Document.getDefaultInstance();
        long written = 0;
        try {
            Iterator<DownloadDocumentResponse> chunks = DocumentsServiceGrpc.newBlockingStub(calls).downloadDocument(request);
            while (chunks.hasNext()) {
                DownloadDocumentResponse chunk = chunks.next();
                if (chunk.hasDocument()) {
                    document = chunk.getDocument();
                }
                chunk.getChunk().writeTo(out);
                written += chunk.getChunk().size();
                progress.update(written, document.getSizeBytes() > 0 ? document.getSizeBytes() : -1);
            }
            return document;
        } catch (StatusRuntimeException e) {
            throw FineHeroException.from(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the download: " + e.getMessage(), e);
        }
    }

    Task watchTask(String taskId, Duration timeout, Consumer<Task> onUpdate) {
        Task last = null;
        try {
            Iterator<Task> updates = TasksServiceGrpc.newBlockingStub(calls).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    .watchTask(WatchTaskRequest.newBuilder().setTaskId(taskId).build());
            while (updates.hasNext()) {
                last = updates.next();
                onUpdate.accept(last);
                if (finished(last.getState())) {
                    break;
                }
            }
        } catch (StatusRuntimeException e) {
            throw FineHeroException.from(e);
        }
        if (last == null) {
            throw new IllegalStateException("the server ended the watch of task " + taskId + " without an update");
        }
        return last;
    }

    static boolean finished(TaskState state) {
        return state == TaskState.TASK_STATE_SUCCEEDED || state == TaskState.TASK_STATE_DEAD || state == TaskState.TASK_STATE_CANCELLED;
    }

    private static <T> T await(CompletableFuture<T> result) {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw FineHeroException.from(status);
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the server", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
