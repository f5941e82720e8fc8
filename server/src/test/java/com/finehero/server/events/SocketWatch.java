package com.finehero.server.events;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client for tests, on the JDK's own: text frames and the close arrive in order on one
 * queue; a close is a {@link Closed}.
 */
final class SocketWatch implements AutoCloseable {

    /** The server closed the socket with this code and reason. */
    record Closed(int code, String reason) { }

    private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    private final WebSocket socket;

    private SocketWatch(URI uri, String authorization) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        this.socket = builder.buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    arrivals.add(text.toString());
                    text.setLength(0);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                arrivals.add(new Closed(statusCode, reason));
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                arrivals.add(new Closed(-1, String.valueOf(error)));
            }
        }).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** A socket to {@code uri} (ws://…), with this Authorization header or none. */
    static SocketWatch open(URI uri, String authorization) {
        return new SocketWatch(uri, authorization);
    }

    void send(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** The next text frame or close within {@code wait}, or null. */
    Object poll(Duration wait) throws InterruptedException {
        return arrivals.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the close, skipping text frames; fails after {@code wait}. */
    Closed awaitClose(Duration wait) throws InterruptedException {
        long end = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < end) {
            Object next = poll(Duration.ofMillis(200));
            if (next instanceof Closed closed) {
                return closed;
            }
        }
        throw new AssertionError("the server did not close the socket within " + wait);
    }

    @Override
    public void close() {
        CompletableFuture<WebSocket> closing = socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        try {
            closing.orTimeout(2, TimeUnit.SECONDS).join();
        } catch (RuntimeException e) {
            socket.abort();
        }
    }
}
