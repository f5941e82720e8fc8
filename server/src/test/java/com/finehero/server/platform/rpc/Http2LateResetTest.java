package com.finehero.server.platform.rpc;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw HTTP/2 against the real server: a client's RST_STREAM that arrives after the server finished and
 * forgot the stream (a gRPC client whose deadline fired while the answer was on its way) is ignored,
 * and cancelling calls that have run for a while is not a "rapid reset". Helidon 4.5.0 answered both
 * with a connection-wide GOAWAY that failed every other call on the connection; FineHero ships a
 * patched {@code io.helidon.webserver.http2.Http2Connection}
 * (docs/decisions/2026-12-02-helidon-http2-late-reset.md). Without it, these tests fail.
 */
class Http2LateResetTest {

    static final int PROTOCOL_ERROR = 0x1;
    static final int CANCEL = 0x8;
    static final int ENHANCE_YOUR_CALM = 0xb;
    static final String CHECK = "/grpc.health.v1.Health/Check";

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void aLateResetOfAFinishedStreamLeavesTheConnectionUp() throws IOException {
        try (Wire wire = Wire.open(APP.port())) {
            wire.headers(1, CHECK, false);
            wire.data(1, grpcEmptyMessage(), true);
            assertThat(wire.awaitEnd(1)).as("stream 1 answered").isTrue();

            wire.headers(3, CHECK, false);   // a newer stream, open, when the late reset of 1 arrives
            wire.rst(1, CANCEL);
            wire.data(3, grpcEmptyMessage(), true);

            assertThat(wire.awaitEnd(3)).as("stream 3 answered, no GOAWAY " + wire.goAway).isTrue();
            assertThat(wire.goAway).isNull();
        }
    }

    @Test
    void cancellingCallsThatRanAWhileIsNotARapidReset() throws Exception {
        int streams = 60; // more than server.protocols.http_2.max-rapid-resets (50)
        try (Wire wire = Wire.open(APP.port())) {
            for (int i = 0; i < streams; i++) {
                wire.headers(1 + 2 * i, CHECK, false);
            }
            Thread.sleep(300); // the calls have waited for their request this long: their deadline fired
            for (int i = 0; i < streams; i++) {
                wire.rst(1 + 2 * i, CANCEL);
            }
            int next = 1 + 2 * streams;
            wire.headers(next, CHECK, false);
            wire.data(next, grpcEmptyMessage(), true);
            assertThat(wire.awaitEnd(next)).as("a later call answered, no GOAWAY " + wire.goAway).isTrue();
            assertThat(wire.goAway).isNull();
        }
    }

    @Test
    void resettingStreamsAtOnceIsStillARapidReset() throws Exception {
        try (Wire wire = Wire.open(APP.port())) {
            for (int i = 0; i < 200 && wire.goAway == null; i++) {
                try {
                    wire.headers(1 + 2 * i, CHECK, false);
                    wire.rst(1 + 2 * i, CANCEL);
                } catch (IOException closedByTheServer) {
                    break;
                }
                Thread.sleep(2);
                wire.drain();
            }
            if (wire.goAway == null) {
                wire.awaitEnd(Integer.MAX_VALUE);
            }
            assertThat(wire.goAway).as("the connection is closed for rapid resets").isNotNull();
            assertThat(wire.goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    private static byte[] grpcEmptyMessage() {
        return new byte[] {0, 0, 0, 0, 0}; // uncompressed, length 0: an empty HealthCheckRequest
    }

    record GoAway(int lastStreamId, int errorCode, String debug) {
    }

    /** Just enough HTTP/2 (prior knowledge, HPACK literals without indexing) to send frames in any order. */
    static final class Wire implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final DataInputStream in;
        GoAway goAway;

        private Wire(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(socket.getInputStream());
        }

        static Wire open(int port) throws IOException {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(5_000);
            Wire wire = new Wire(socket);
            wire.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            wire.frame(0x4, 0, 0, new byte[0]); // SETTINGS
            wire.out.flush();
            return wire;
        }

        void headers(int stream, String path, boolean endStream) throws IOException {
            List<byte[]> fields = new ArrayList<>();
            fields.add(new byte[] {(byte) 0x83}); // :method POST (static table 3)
            fields.add(new byte[] {(byte) 0x86}); // :scheme http (static table 6)
            fields.add(literal(4, path));          // :path (static table name 4); Helidon wants indexed pseudo names
            fields.add(literal(1, "127.0.0.1"));   // :authority (static table name 1)
            fields.add(literal("content-type", "application/grpc"));
            fields.add(literal("te", "trailers"));
            int length = fields.stream().mapToInt(f -> f.length).sum();
            ByteBuffer block = ByteBuffer.allocate(length);
            fields.forEach(block::put);
            frame(0x1, 0x4 | (endStream ? 0x1 : 0), stream, block.array()); // END_HEADERS
        }

        void data(int stream, byte[] payload, boolean endStream) throws IOException {
            frame(0x0, endStream ? 0x1 : 0, stream, payload);
        }

        void rst(int stream, int errorCode) throws IOException {
            frame(0x3, 0, stream, ByteBuffer.allocate(4).putInt(errorCode).array());
        }

        /**
         * Reads frames until {@code stream} ends (END_STREAM or RST_STREAM from the server): true; false
         * when the connection got a GOAWAY or closed first (recorded in {@link #goAway}).
         */
        boolean awaitEnd(int stream) throws IOException {
            try {
                while (true) {
                    Boolean ended = readFrame(stream);
                    if (ended != null) {
                        return ended;
                    }
                }
            } catch (java.io.EOFException | java.net.SocketException closed) {
                return false;
            }
        }

        /** Reads one frame: true if it ends {@code stream}, false for a GOAWAY, null for anything else. */
        private Boolean readFrame(int stream) throws IOException {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int streamId = in.readInt() & 0x7fffffff;
            byte[] payload = in.readNBytes(length);
            if (type == 0x4 && (flags & 0x1) == 0) {
                frame(0x4, 0x1, 0, new byte[0]); // ACK the server's SETTINGS
            } else if (type == 0x7) {
                ByteBuffer buffer = ByteBuffer.wrap(payload);
                goAway = new GoAway(buffer.getInt() & 0x7fffffff, buffer.getInt(),
                        new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8));
                return false;
            } else if (streamId == stream && (type == 0x3 || (type == 0x0 || type == 0x1) && (flags & 0x1) != 0)) {
                return true;
            }
            return null;
        }

        /** Reads the whole frames the server has sent so far, without waiting (a GOAWAY lands in {@link #goAway}). */
        void drain() throws IOException {
            while (goAway == null && in.available() >= 9) {
                readFrame(-1);
            }
        }

        private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            ByteBuffer header = ByteBuffer.allocate(9);
            header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
            header.put((byte) type).put((byte) flags).putInt(stream);
            out.write(header.array());
            out.write(payload);
            out.flush();
        }

        /** A literal field without indexing whose name is entry {@code nameIndex} (below 15) of the static table. */
        private static byte[] literal(int nameIndex, String value) {
            byte[] v = value.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer field = ByteBuffer.allocate(2 + v.length);
            field.put((byte) nameIndex).put((byte) v.length).put(v);
            return field.array();
        }

        private static byte[] literal(String name, String value) {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            byte[] v = value.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer field = ByteBuffer.allocate(3 + n.length + v.length);
            field.put((byte) 0x00).put((byte) n.length).put(n).put((byte) v.length).put(v);
            return field.array();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
