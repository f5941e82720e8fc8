package com.finehero.server.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.grpc.stub.StreamObserver;

/**
 * The response observer of a client-streaming call made on an async stub: it keeps the one response
 * (or the failure), and {@link #join()} hands it over, rethrowing the call's {@code StatusRuntimeException}
 * so {@link GrpcErrors#failure} can check it.
 *
 * <pre>
 * SingleResponse&lt;Document&gt; result = new SingleResponse&lt;&gt;();
 * StreamObserver&lt;UploadDocumentRequest&gt; upload = stub.uploadDocument(result);
 * ...
 * Document document = result.join();
 * </pre>
 */
public final class SingleResponse<T> implements StreamObserver<T> {

    private final CompletableFuture<T> result = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        result.complete(value);
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        result.complete(null);
    }

    /** The response, waiting up to 10 s; the call's failure is rethrown as it is. */
    public T join() {
        try {
            return result.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError("no response within 10 s", e);
        }
    }
}
