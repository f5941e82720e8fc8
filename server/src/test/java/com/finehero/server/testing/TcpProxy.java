package com.finehero.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a free loopback port in front of one target (a test's own PostgreSQL), for faults a
 * process signal cannot make: every chunk sent towards the target can be held back for a latency, and
 * every connection through it can be dropped at once (both sides see a reset connection). No library
 * for this resolves from the registry here (netcrusher does not; toxiproxy needs its own server
 * binary), and a few dozen lines of blocking sockets on virtual threads are enough for a test.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong latencyNanos = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean open = true;

    private TcpProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().name("tcp-proxy-" + listener.getLocalPort()).start(this::accept);
    }

    /** A proxy to {@code 127.0.0.1:targetPort}, listening on a free port. */
    public static TcpProxy to(int targetPort) {
        try {
            return new TcpProxy(targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Holds every chunk sent towards the target this long (zero: none); applies to open connections too. */
    public void latency(Duration latency) {
        latencyNanos.set(latency.toNanos());
    }

    /** Resets every connection through the proxy; new connections are still accepted. Returns how many. */
    public int dropAll() {
        int dropped = 0;
        for (Socket socket : sockets) {
            try {
                socket.setSoLinger(true, 0); // RST, not FIN: as a broken network looks
                socket.close();
                dropped++;
            } catch (IOException ignored) {
                // already closed
            }
            sockets.remove(socket);
        }
        return dropped / 2;
    }

    /** Connections open through the proxy now. */
    public int connections() {
        return sockets.size() / 2;
    }

    private void accept() {
        while (open) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 2_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            sockets.add(client);
            sockets.add(upstream);
            Thread.ofVirtual().start(() -> pump(client, upstream, true));
            Thread.ofVirtual().start(() -> pump(upstream, client, false));
        }
    }

    private void pump(Socket from, Socket to, boolean towardsTarget) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                long delay = towardsTarget ? latencyNanos.get() : 0;
                if (delay > 0) {
                    Thread.sleep(Duration.ofNanos(delay));
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side closed or was dropped: close the other below
        } finally {
            sockets.remove(from);
            sockets.remove(to);
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        open = false;
        closeQuietly(listener);
        dropAll();
        acceptor.interrupt();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
