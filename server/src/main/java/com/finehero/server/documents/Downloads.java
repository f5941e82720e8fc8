package com.finehero.server.documents;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.finehero.api.documents.v1.DownloadDocumentResponse;
import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * Sends a document's bytes as DownloadDocument chunks, reading the next chunk only when the client can take
 * it (the call is ready), so a 50 MiB original going to a slow client is never queued whole in memory.
 */
final class Downloads {

    /** How long a wait for readiness lasts before looking again (in case a ready signal is never sent). */
    private static final long RECHECK_MILLIS = 50;

    private Downloads() {
    }

    static void send(InputStream content, int chunk, DownloadDocumentResponse.Builder first,
                     StreamObserver<DownloadDocumentResponse> response) throws IOException {
        Readiness readiness = response instanceof ServerCallStreamObserver<DownloadDocumentResponse> call
                ? new Readiness(call) : null;
        DownloadDocumentResponse.Builder next = first;
        while (true) {
            byte[] bytes = content.readNBytes(chunk);
            if (bytes.length == 0 && next != first) {
                break;
            }
            if (readiness != null && !readiness.await()) {
                return; // the client went away or the deadline passed: the call is over already
            }
            response.onNext(next.setChunk(ByteString.copyFrom(bytes)).build());
            next = DownloadDocumentResponse.newBuilder();
            if (bytes.length < chunk) {
                break;
            }
        }
        response.onCompleted();
    }

    /** Waits until the call is ready for another message, woken by its ready handler. */
    private static final class Readiness {
        private final ServerCallStreamObserver<?> call;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition ready = lock.newCondition();

        Readiness(ServerCallStreamObserver<?> call) {
            this.call = call;
            call.setOnReadyHandler(this::signal);
        }

        private void signal() {
            lock.lock();
            try {
                ready.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** True once the call is ready; false if it was cancelled first. */
        boolean await() {
            lock.lock();
            try {
                while (!call.isReady()) {
                    if (call.isCancelled()) {
                        return false;
                    }
                    ready.await(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
                }
                return !call.isCancelled();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                lock.unlock();
            }
        }
    }
}
