package io.helidon.webserver.grpc;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.helidon.common.buffers.BufferData;
import io.helidon.grpc.core.WeightedBag;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2StreamState;
import io.helidon.http.http2.Http2StreamWriter;
import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A gRPC call's read and write buffers are as large as its messages. Helidon 4.5.0 gave every call 16 KB for
 * each before knowing a message's size, most of what a cache-hit unary call allocated; FineHero ships a patched
 * {@code GrpcProtocolHandler} (docs/decisions/2026-12-06-helidon-grpc-buffers-sized-to-the-message.md). With
 * Helidon's own class the first three tests fail.
 */
class GrpcCallBuffersTest {

    private static final int GRPC_PREFIX = 5; // compressed flag and length before every message

    private static final MethodDescriptor<BytesValue, BytesValue> ECHO = MethodDescriptor.<BytesValue, BytesValue>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName("finehero.test.Echo/Echo")
            .setRequestMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
            .build();

    @Test
    void aCallAllocatesNoBufferBeforeItHasAMessage() {
        CapturingWriter writer = new CapturingWriter();
        GrpcRouteHandler<BytesValue, BytesValue> route = route();
        GrpcConfig config = GrpcConfig.create();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 100; warm++) {
            new GrpcProtocolHandler<>(null, null, writer, 1, null, Http2StreamState.OPEN, route, config).createServerCall();
        }

        long before = threads.getCurrentThreadAllocatedBytes();
        new GrpcProtocolHandler<>(null, null, writer, 1, null, Http2StreamState.OPEN, route, config).createServerCall();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated).as("bytes a call's handler and server call allocate before any message (Helidon's: two 16 KB buffers)")
                .isLessThan(4 * 1024);
    }

    @Test
    void aRequestIsReadIntoABufferOfItsOwnSizeKeptForLaterRequestsThatFit() {
        GrpcProtocolHandler<BytesValue, BytesValue> handler = handler(new CapturingWriter(), GrpcConfig.create());

        BufferData first = handler.allocateReadBuffer(43);
        assertThat(first.capacity()).isEqualTo(43);
        first.write(new byte[43]); // the request read into it
        assertThat(handler.allocateReadBuffer(20)).isSameAs(first);
        BufferData large = handler.allocateReadBuffer(100_000);
        assertThat(large.capacity()).isEqualTo(100_000);
        large.write(new byte[100_000]);
        assertThat(handler.allocateReadBuffer(43)).isSameAs(large);
        assertThat(large.available()).as("a reused buffer starts empty").isZero();
        assertThat(large.capacity()).isEqualTo(100_000);
    }

    @Test
    void aRequestAboveTheLargestReadBufferIsRefusedWhateverItsSize() {
        GrpcProtocolHandler<BytesValue, BytesValue> handler = handler(new CapturingWriter(),
                GrpcConfig.builder().maxReadBufferSize(1024).build());

        assertThat(handler.allocateReadBuffer(1024).capacity()).isEqualTo(1024);
        assertThatThrownBy(() -> handler.allocateReadBuffer(1025)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("max read buffer size");
    }

    @Test
    void anAnswerIsWrittenFromABufferOfItsOwnSizeKeptForLaterAnswersThatFit() {
        CapturingWriter writer = new CapturingWriter();
        ServerCall<BytesValue, BytesValue> call = handler(writer, GrpcConfig.create()).createServerCall();

        call.sendMessage(bytes(300));
        call.sendMessage(bytes(20_000));
        call.sendMessage(bytes(50));

        assertThat(writer.bufferSizes).containsExactly(framed(300), framed(20_000), framed(20_000));
        assertThat(writer.frameLengths).containsExactly(framed(300), framed(20_000), framed(50));
        assertThat(writer.data.get(2).data()).as("a smaller answer reuses the larger buffer").isSameAs(writer.data.get(1).data());
    }

    @Test
    void theAnswerWrittenIsTheMessageBehindItsPrefix() throws Exception {
        CapturingWriter writer = new CapturingWriter();
        handler(writer, GrpcConfig.create()).createServerCall().sendMessage(bytes(300));

        BufferData data = writer.data.getFirst().data();
        assertThat(data.read()).as("not compressed").isZero();
        int length = (int) data.readUnsignedInt32();
        byte[] message = new byte[length];
        data.read(message);
        assertThat(BytesValue.parseFrom(message)).isEqualTo(bytes(300));
    }

    /** How many bytes a message of {@code size} value bytes takes on the wire, prefix included. */
    private static int framed(int size) {
        return GRPC_PREFIX + bytes(size).getSerializedSize();
    }

    private static BytesValue bytes(int size) {
        byte[] value = new byte[size];
        for (int i = 0; i < size; i++) {
            value[i] = (byte) i;
        }
        return BytesValue.newBuilder().setValue(ByteString.copyFrom(value)).build();
    }

    private static GrpcRouteHandler<BytesValue, BytesValue> route() {
        return GrpcRouteHandler.methodDefinition(ServerMethodDefinition.create(ECHO,
                ServerCalls.asyncServerStreamingCall((request, answers) -> answers.onCompleted())), null, WeightedBag.create());
    }

    private static GrpcProtocolHandler<BytesValue, BytesValue> handler(Http2StreamWriter writer, GrpcConfig config) {
        GrpcProtocolHandler<BytesValue, BytesValue> handler = new GrpcProtocolHandler<>(null, null, writer, 1, null,
                Http2StreamState.OPEN, route(), config);
        handler.initCompression(null, WritableHeaders.create()); // identity, as a call without grpc-encoding
        return handler;
    }

    /**
     * The stream's DATA frames as written, with the size of the buffer behind each when it was written (the bytes
     * in it and the room left: a DATA frame's buffer is the handler's own, reused for the next answer).
     */
    private static final class CapturingWriter implements Http2StreamWriter {
        private final List<Http2FrameData> data = new ArrayList<>();
        private final List<Integer> bufferSizes = new ArrayList<>();
        private final List<Integer> frameLengths = new ArrayList<>();

        @Override
        public void write(Http2FrameData frame) {
            writeData(frame, FlowControl.Outbound.NOOP);
        }

        @Override
        public void writeData(Http2FrameData frame, FlowControl.Outbound flowControl) {
            data.add(frame);
            bufferSizes.add(frame.data().available() + frame.data().capacity());
            frameLengths.add(frame.header().length());
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, FlowControl.Outbound flowControl) {
            return 0;
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, Http2FrameData dataFrame,
                                FlowControl.Outbound flowControl) {
            writeData(dataFrame, flowControl);
            return 0;
        }
    }
}
