package io.helidon.webserver.grpc;

import java.util.List;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.helidon.grpc.core.WeightedBag;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2ConnectionWriter;
import io.helidon.http.http2.RecordedWrites;
import io.helidon.http.http2.Http2StreamState;
import com.google.protobuf.BytesValue;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A unary answer — headers, message, trailers — is held until the call closes and then handed to the
 * connection's data writer as one buffer, encoded under one acquisition of the connection writer's lock,
 * where Helidon wrote each part as the call produced it; an answer that streams is written part by part as
 * it is produced. FineHero patches Helidon
 * 4.5.0's {@code Http2ConnectionWriter} and {@code GrpcProtocolHandler} for this
 * (docs/decisions/2026-12-06-a-unary-answer-written-whole.md); with Helidon's classes the first test fails.
 */
class GrpcUnaryAnswerTest {

    private static final int HEADERS = 0x1;
    private static final int DATA = 0x0;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;

    @Test
    void aUnaryAnswerIsHeldUntilCloseAndThenWrittenWithItsTrailers() {
        RecordedWrites socket = new RecordedWrites();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.UNARY, new Http2ConnectionWriter(null, socket, List.of()))
                .createServerCall();

        call.sendHeaders(new Metadata());
        call.sendMessage(bytes(300));
        assertThat(socket.frames()).as("nothing leaves before the trailers").isEmpty();
        call.close(Status.OK, new Metadata());

        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type, RecordedWrites.Frame::flags)
                .containsExactly(tuple(HEADERS, END_HEADERS), tuple(DATA, 0), tuple(HEADERS, END_HEADERS | END_STREAM));
        assertThat(socket.buffers).as("handed to the connection's data writer as one buffer").hasSize(1);
        assertThat(socket.frames().get(1).payload()).as("the message behind its five-byte prefix")
                .endsWith(bytes(300).toByteArray()).hasSize(5 + bytes(300).getSerializedSize());
    }

    @Test
    void aStreamedAnswerIsWrittenPartByPart() {
        RecordedWrites socket = new RecordedWrites();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.SERVER_STREAMING,
                new Http2ConnectionWriter(null, socket, List.of())).createServerCall();

        call.sendHeaders(new Metadata());
        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type).containsExactly(HEADERS);
        call.sendMessage(bytes(10));
        call.sendMessage(bytes(20));
        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type).containsExactly(HEADERS, DATA, DATA);
        call.close(Status.OK, new Metadata());

        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type).containsExactly(HEADERS, DATA, DATA, HEADERS);
    }

    @Test
    void aSecondMessageOfAUnaryCallSendsTheFirstBeforeItsBufferIsReused() {
        RecordedWrites socket = new RecordedWrites();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.UNARY,
                new Http2ConnectionWriter(null, socket, List.of())).createServerCall();

        call.sendHeaders(new Metadata());
        call.sendMessage(bytes(30));
        call.sendMessage(bytes(20)); // not what a unary method does, but nothing held may be lost or overwritten
        call.close(Status.OK, new Metadata());

        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type).containsExactly(HEADERS, DATA, DATA, HEADERS);
        assertThat(socket.frames().get(1).payload()).endsWith(bytes(30).toByteArray());
        assertThat(socket.frames().get(2).payload()).endsWith(bytes(20).toByteArray());
    }

    @Test
    void aClientStreamingCallWritesItsAnswerPartByPart() {
        RecordedWrites socket = new RecordedWrites();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.CLIENT_STREAMING,
                new Http2ConnectionWriter(null, socket, List.of())).createServerCall();

        call.sendHeaders(new Metadata());

        assertThat(socket.frames()).as("a client may act on the headers of a call it still streams to")
                .extracting(RecordedWrites.Frame::type).containsExactly(HEADERS);
    }

    @Test
    void aUnaryCallClosedWithAnErrorAfterItsHeadersSendsThemBeforeTheTrailers() {
        RecordedWrites socket = new RecordedWrites();
        ServerCall<BytesValue, BytesValue> call = handler(MethodDescriptor.MethodType.UNARY,
                new Http2ConnectionWriter(null, socket, List.of())).createServerCall();

        call.sendHeaders(new Metadata());
        call.close(Status.NOT_FOUND.withDescription("no such fine"), new Metadata());

        assertThat(socket.frames()).extracting(RecordedWrites.Frame::type, RecordedWrites.Frame::flags)
                .containsExactly(tuple(HEADERS, END_HEADERS), tuple(HEADERS, END_HEADERS | END_STREAM));
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
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
}
