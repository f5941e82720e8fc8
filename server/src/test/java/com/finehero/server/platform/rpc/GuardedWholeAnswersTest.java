package com.finehero.server.platform.rpc;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2Flag;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2FrameHeader;
import io.helidon.http.http2.Http2FrameTypes;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2StreamWriter;
import io.helidon.webserver.http2.spi.Http2SubProtocolSelector;
import io.helidon.webserver.http2.spi.SubProtocolResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Helidon's gRPC handler writes a unary answer whole only when the writer it is handed can
 * ({@link WholeAnswerWriter}); behind {@link GrpcStreamGuard} that writer is the guard's gate, so the gate
 * passes whole answers on, with the same rules as every other write: per-call headers not indexed, and
 * nothing once FineHero has answered the stream itself.
 */
class GuardedWholeAnswersTest {

    @Test
    void theWriterHelidonsHandlerIsGivenBehindTheGuardPassesWholeAnswersOnWithPerCallHeadersNotIndexed() {
        Recording connection = new Recording();
        Http2StreamWriter given = writerGivenToHelidon(connection);

        assertThat(given).isInstanceOf(WholeAnswerWriter.class);
        int written = ((WholeAnswerWriter) given).writeAnswer(headers("x-request-id"), message(), headers("traceparent"), 1,
                FlowControl.Outbound.NOOP);

        assertThat(written).isEqualTo(Recording.WRITTEN);
        assertThat(connection.answers).hasSize(1);
        assertThat(connection.answers.getFirst()[0].httpHeaders().get(HeaderNames.create("x-request-id")).changing()).isTrue();
        assertThat(connection.answers.getFirst()[1].httpHeaders().get(HeaderNames.create("traceparent")).changing()).isTrue();
    }

    @Test
    void onceTheGuardHasAnsweredTheStreamAWholeAnswerIsDropped() {
        Recording connection = new Recording();
        GrpcStreamGuard.GatedWriter given = (GrpcStreamGuard.GatedWriter) writerGivenToHelidon(connection);

        given.shut();

        assertThat(given.writeAnswer(headers("x-request-id"), message(), headers("traceparent"), 1, FlowControl.Outbound.NOOP))
                .as("handled: nothing more goes out on the stream").isZero();
        assertThat(connection.answers).isEmpty();
    }

    @Test
    void overAConnectionWriterThatCannotWriteWholeTheHandlerIsToldToWriteThePartsOneByOne() {
        GrpcStreamGuard.GatedWriter given = new GrpcStreamGuard.GatedWriter(new PartsOnly(new Recording()));

        assertThat(given.writeAnswer(headers("x-request-id"), message(), headers("traceparent"), 1, FlowControl.Outbound.NOOP))
                .isEqualTo(-1);
    }

    private static Http2StreamWriter writerGivenToHelidon(Http2StreamWriter connection) {
        AtomicReference<Http2StreamWriter> given = new AtomicReference<>();
        Http2SubProtocolSelector helidon = (ctx, prologue, headers, streamWriter, streamId, serverSettings, clientSettings,
                                            flowControl, currentStreamState, router) -> {
            given.set(streamWriter);
            return new SubProtocolResult(false, null); // as for a stream that is not gRPC: the guard stops here
        };
        new GrpcStreamGuard(helidon, Set.of(), 1024, new RefusalLog(Clock.systemUTC(), Duration.ofMinutes(1)))
                .subProtocol(null, null, null, connection, 1, null, null, null, null, null);
        return given.get();
    }

    private static Http2Headers headers(String perCall) {
        WritableHeaders<?> headers = WritableHeaders.create();
        headers.set(HeaderValues.create(HeaderNames.create(perCall), "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f"));
        return Http2Headers.create(headers);
    }

    private static Http2FrameData message() {
        return new Http2FrameData(Http2FrameHeader.create(3, Http2FrameTypes.DATA, Http2Flag.DataFlags.create(0), 1),
                BufferData.create(new byte[3]));
    }

    /** The connection's writer: records whole answers (headers and trailers), writes nothing else. */
    private static class Recording implements Http2StreamWriter, WholeAnswerWriter {
        static final int WRITTEN = 42;
        final List<Http2Headers[]> answers = new ArrayList<>();

        @Override
        public int writeAnswer(Http2Headers headers, Http2FrameData dataFrame, Http2Headers trailers, int streamId,
                               FlowControl.Outbound flowControl) {
            answers.add(new Http2Headers[] {headers, trailers});
            return WRITTEN;
        }

        @Override
        public void write(Http2FrameData frame) {
        }

        @Override
        public void writeData(Http2FrameData frame, FlowControl.Outbound flowControl) {
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, FlowControl.Outbound flowControl) {
            return 0;
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, Http2FrameData dataFrame,
                                FlowControl.Outbound flowControl) {
            return 0;
        }
    }

    /** A stream writer that is not a {@link WholeAnswerWriter}, whatever it wraps. */
    private record PartsOnly(Http2StreamWriter writer) implements Http2StreamWriter {
        @Override
        public void write(Http2FrameData frame) {
            writer.write(frame);
        }

        @Override
        public void writeData(Http2FrameData frame, FlowControl.Outbound flowControl) {
            writer.writeData(frame, flowControl);
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, FlowControl.Outbound flowControl) {
            return writer.writeHeaders(headers, streamId, flags, flowControl);
        }

        @Override
        public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, Http2FrameData dataFrame,
                                FlowControl.Outbound flowControl) {
            return writer.writeHeaders(headers, streamId, flags, dataFrame, flowControl);
        }
    }
}
