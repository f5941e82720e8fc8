package io.helidon.webserver.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.grpc.core.WeightedBag;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2ConnectionWriter;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2FrameTypes;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2StreamState;
import com.google.protobuf.BytesValue;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A unary answer — headers, message, trailers — is encoded and handed to the connection's data writer under
 * one acquisition of the connection writer's lock, where Helidon took it once for each part as the call
 * produced it; an answer that streams is written part by part as it is produced. FineHero patches Helidon
 * 4.5.0's {@code Http2ConnectionWriter} and {@code GrpcProtocolHandler} for this
 * (docs/decisions/2026-12-06-a-unary-answer-written-whole.md). With Helidon's classes the first two tests
 * fail (and the last, which calls the patched writer directly, does not compile).
 */
class GrpcUnaryAnswerTest {

    private static final int HEADERS = 0x1;
    private static final int DATA = 0x0;
    private static final int PING = 0x6;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;

    @Test
    void aUnaryAnswerIsHeldUntilCloseAndThenWrittenWithItsTrailers() {
        RecordingSocket socket = new RecordingSocket();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.UNARY, new Http2ConnectionWriter(null, socket, List.of()))
                .createServerCall();

        call.sendHeaders(new Metadata());
        call.sendMessage(bytes(300));
        assertThat(socket.frames()).as("nothing leaves before the trailers").isEmpty();
        call.close(Status.OK, new Metadata());

        assertThat(socket.frames()).extracting(Frame::type, Frame::flags)
                .containsExactly(tuple(HEADERS, END_HEADERS), tuple(DATA, 0), tuple(HEADERS, END_HEADERS | END_STREAM));
        assertThat(socket.frames().get(1).payload()).as("the message behind its five-byte prefix")
                .endsWith(bytes(300).toByteArray()).hasSize(5 + bytes(300).getSerializedSize());
    }

    @Test
    void noOtherFrameOfTheConnectionComesBetweenTheThreePartsOfAUnaryAnswer() throws Exception {
        RecordingSocket socket = new RecordingSocket();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.UNARY, writer).createServerCall();
        AtomicReference<Thread> pinger = new AtomicReference<>();
        socket.onFirstWrite = () -> { // another stream's frame, due while the answer's first part is on the socket
            Thread ping = Thread.ofVirtual().start(() -> writer.write(new Http2FrameData(
                    Http2FrameHeader.create(8, Http2FrameTypes.PING, Http2Flag.PingFlags.create(0), 0),
                    BufferData.create(new byte[8]))));
            pinger.set(ping);
            awaitWaitingForTheLock(ping);
        };

        call.sendHeaders(new Metadata());
        call.sendMessage(bytes(10));
        call.close(Status.OK, new Metadata());
        pinger.get().join(5_000);

        assertThat(socket.frames()).extracting(Frame::type).containsExactly(HEADERS, DATA, HEADERS, PING);
    }

    @Test
    void aStreamedAnswerIsWrittenPartByPart() {
        RecordingSocket socket = new RecordingSocket();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.SERVER_STREAMING,
                new Http2ConnectionWriter(null, socket, List.of())).createServerCall();

        call.sendHeaders(new Metadata());
        assertThat(socket.frames()).extracting(Frame::type).containsExactly(HEADERS);
        call.sendMessage(bytes(10));
        call.sendMessage(bytes(20));
        assertThat(socket.frames()).extracting(Frame::type).containsExactly(HEADERS, DATA, DATA);
        call.close(Status.OK, new Metadata());

        assertThat(socket.frames()).extracting(Frame::type).containsExactly(HEADERS, DATA, DATA, HEADERS);
    }

    @Test
    void aUnaryCallClosedWithAnErrorAfterItsHeadersSendsThemBeforeTheTrailers() {
        RecordingSocket socket = new RecordingSocket();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.UNARY,
                new Http2ConnectionWriter(null, socket, List.of())).createServerCall();

        call.sendHeaders(new Metadata());
        call.close(Status.NOT_FOUND.withDescription("no such fine"), new Metadata());

        assertThat(socket.frames()).extracting(Frame::type, Frame::flags)
                .containsExactly(tuple(HEADERS, END_HEADERS), tuple(HEADERS, END_HEADERS | END_STREAM));
    }

    @Test
    void aMessageLargerThanTheStreamsWindowIsNotWrittenWhole() {
        RecordingSocket socket = new RecordingSocket();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());
        BufferData message = BufferData.create(new byte[100]);
        Http2FrameData frame = new Http2FrameData(
                Http2FrameHeader.create(100, Http2FrameTypes.DATA, Http2Flag.DataFlags.create(0), 1), message);

        assertThat(writer.writeAnswer(headers(), frame, headers(), 1, new Window(99))).isEqualTo(-1);
        assertThat(socket.frames()).as("nothing written when the message does not fit").isEmpty();
        Window window = new Window(100);
        assertThat(writer.writeAnswer(headers(), frame, headers(), 1, window)).isPositive();
        assertThat(window.taken).as("the message's bytes taken from the window").isEqualTo(100);
        assertThat(socket.frames()).extracting(Frame::type).containsExactly(HEADERS, DATA, HEADERS);
    }

    private static void awaitWaitingForTheLock(Thread thread) {
        long until = System.nanoTime() + 5_000_000_000L;
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(thread.getState()).as("the other frame's thread waits for the writer's lock").isEqualTo(Thread.State.WAITING);
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }

    private static Http2Headers headers() {
        Http2Headers headers = Http2Headers.create(WritableHeaders.create());
        headers.status(io.helidon.http.Status.OK_200);
        return headers;
    }

    private static BytesValue bytes(int size) {
        return BytesValue.newBuilder().setValue(ByteString.copyFrom(new byte[size])).build();
    }

    private static GrpcProtocolHandler<BytesValue, BytesValue> handler(MethodDescriptor.MethodType type,
                                                                       Http2ConnectionWriter writer) {
        MethodDescriptor<BytesValue, BytesValue> method = MethodDescriptor.<BytesValue, BytesValue>newBuilder()
                .setType(type)
                .setFullMethodName("finehero.test.Echo/Echo")
                .setRequestMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
                .build();
        GrpcRouteHandler<BytesValue, BytesValue> route = GrpcRouteHandler.methodDefinition(
                ServerMethodDefinition.create(method, ServerCalls.asyncUnaryCall((request, answers) -> answers.onCompleted())),
                null, WeightedBag.create());
        GrpcProtocolHandler<BytesValue, BytesValue> handler = new GrpcProtocolHandler<>(null, null, writer, 1, null,
                Http2StreamState.OPEN, route, GrpcConfig.create());
        handler.initCompression(null, WritableHeaders.create()); // identity, as a call without grpc-encoding
        return handler;
    }

    private record Frame(int type, int flags, byte[] payload) {
    }

    /** The connection's data writer: keeps the bytes of each write, which Helidon's writer makes with writeNow. */
    private static final class RecordingSocket implements DataWriter {
        private final List<byte[]> written = new CopyOnWriteArrayList<>();
        volatile Runnable onFirstWrite = () -> { };

        List<Frame> frames() {
            List<Frame> frames = new ArrayList<>();
            for (byte[] bytes : written) {
                int at = 0;
                while (at < bytes.length) {
                    int length = ((bytes[at] & 0xff) << 16) | ((bytes[at + 1] & 0xff) << 8) | (bytes[at + 2] & 0xff);
                    byte[] payload = new byte[length];
                    System.arraycopy(bytes, at + 9, payload, 0, length);
                    frames.add(new Frame(bytes[at + 3] & 0xff, bytes[at + 4] & 0xff, payload));
                    at += 9 + length;
                }
            }
            return frames;
        }

        @Override
        public void writeNow(BufferData buffer) {
            byte[] bytes = new byte[buffer.available()];
            buffer.read(bytes);
            written.add(bytes);
            if (written.size() == 1) {
                onFirstWrite.run();
            }
        }

        @Override
        public void writeNow(BufferData... buffers) {
            writeNow(BufferData.create(buffers));
        }

        @Override
        public void write(BufferData buffer) {
            writeNow(buffer);
        }

        @Override
        public void write(BufferData... buffers) {
            writeNow(buffers);
        }
    }

    /** A stream's outbound window of a given size, recording what is taken from it. */
    private static final class Window implements FlowControl.Outbound {
        private final int size;
        int taken;

        Window(int size) {
            this.size = size;
        }

        @Override
        public int getRemainingWindowSize() {
            return size - taken;
        }

        @Override
        public void decrementWindowSize(int decrement) {
            taken += decrement;
        }

        @Override
        public void resetStreamWindowSize(int size) {
        }

        @Override
        public long incrementStreamWindowSize(int increment) {
            return 0;
        }

        @Override
        public Http2FrameData[] cut(Http2FrameData frame) {
            return frame.cut(getRemainingWindowSize());
        }

        @Override
        public void blockTillUpdate() {
        }

        @Override
        public int maxFrameSize() {
            return 16_384;
        }
    }
}
