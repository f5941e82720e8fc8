package com.finehero.server.platform.rpc;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.task.InterruptableTask;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * Puts a {@link CoalescingWriter} between each connection a selector serves and its socket: the
 * connection is handed a context whose {@link ConnectionContext#dataWriter()} queues, and when the
 * connection ends its queued frames are written (for at most {@link #LAST_FRAMES_WAIT}) before Helidon
 * closes the socket.
 */
final class CoalescedWrites implements ServerConnectionSelector {

    /** Bytes a connection may have queued before its writers wait for the socket. */
    static final long MAX_QUEUED_BYTES = 1 << 20;
    /** How long an ending connection's last frames may take to be written. */
    static final Duration LAST_FRAMES_WAIT = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(CoalescedWrites.class.getName());

    private final ServerConnectionSelector selector;

    CoalescedWrites(ServerConnectionSelector selector) {
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    @Override
    public int bytesToIdentifyConnection() {
        return selector.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData data) {
        return selector.supports(data);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return selector.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        CoalescingWriter writer = new CoalescingWriter(ctx.dataWriter(), ctx.executor(), MAX_QUEUED_BYTES);
        ServerConnection connection = selector.connection(new Context(ctx, writer));
        return connection instanceof InterruptableTask<?> task
                ? new InterruptableConnection(connection, task, writer)
                : new Connection(connection, writer);
    }

    /** Helidon's connection, whose queued frames are written when it ends. */
    private static class Connection implements ServerConnection {

        private final ServerConnection connection;
        private final CoalescingWriter writer;

        Connection(ServerConnection connection, CoalescingWriter writer) {
            this.connection = connection;
            this.writer = writer;
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                connection.handle(limit);
            } finally {
                lastFrames();
            }
        }

        @Override
        public Duration idleTime() {
            return connection.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            connection.close(interrupt);
        }

        private void lastFrames() {
            if (!writer.drain(LAST_FRAMES_WAIT)) {
                LOG.log(Level.DEBUG, "a closing connection's last frames were not written within " + LAST_FRAMES_WAIT);
            }
        }
    }

    /** The same for a connection Helidon may interrupt when it stops (HTTP/2 does, between streams). */
    private static final class InterruptableConnection extends Connection implements InterruptableTask<Void> {

        private final InterruptableTask<?> task;

        InterruptableConnection(ServerConnection connection, InterruptableTask<?> task, CoalescingWriter writer) {
            super(connection, writer);
            this.task = task;
        }

        @Override
        public boolean canInterrupt() {
            return task.canInterrupt();
        }
    }

    /** The connection's context with the coalescing writer in place of the socket's. */
    private record Context(ConnectionContext ctx, DataWriter writer) implements ConnectionContext {

        @Override
        public DataWriter dataWriter() {
            return writer;
        }

        @Override
        public ListenerContext listenerContext() {
            return ctx.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return ctx.executor();
        }

        @Override
        public DataReader dataReader() {
            return ctx.dataReader();
        }

        @Override
        public Router router() {
            return ctx.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return ctx.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return ctx.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return ctx.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return ctx.localPeer();
        }

        @Override
        public boolean isSecure() {
            return ctx.isSecure();
        }

        @Override
        public String socketId() {
            return ctx.socketId();
        }

        @Override
        public String childSocketId() {
            return ctx.childSocketId();
        }
    }
}
