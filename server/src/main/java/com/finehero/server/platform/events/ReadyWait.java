package com.finehero.server.platform.events;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * Lets a watcher's loop send only when the call's transport is ready for more, so a slow client's
 * backlog stays in the watcher's bounded subscription (and turns into a RESYNC there) instead of
 * piling up unbounded in the transport. Create it before the first message: gRPC accepts the
 * on-ready handler only then.
 */
public final class ReadyWait {

    private static final long MAX_WAIT_MILLIS = 100;

    private final ServerCallStreamObserver<?> call;
    private final Object lock = new Object();

    public ReadyWait(ServerCallStreamObserver<?> call) {
        this.call = call;
        call.setOnReadyHandler(() -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        });
    }

    /**
     * Waits until the call takes another message; false when the caller went away. The wait also looks
     * again on its own, soon at first and then less often: grpc-java's in-process server (the REST and
     * WebSocket faces) queues a call's on-ready signal behind the running method, so there it never
     * comes while the watcher waits.
     */
    public boolean await() throws InterruptedException {
        long wait = 1;
        synchronized (lock) {
            while (!call.isReady() && !call.isCancelled()) {
                lock.wait(wait);
                wait = Math.min(MAX_WAIT_MILLIS, wait * 2);
            }
        }
        return !call.isCancelled();
    }

    public boolean cancelled() {
        return call.isCancelled() || io.grpc.Context.current().isCancelled();
    }
}
