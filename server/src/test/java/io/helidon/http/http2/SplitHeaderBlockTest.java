package io.helidon.http.http2;

import java.io.ByteArrayOutputStream;
import java.util.List;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A header block larger than a frame leaves FineHero's patched connection writer as RFC 9113 §6.10 has it:
 * one HEADERS frame carrying END_STREAM when the block ends the stream, then CONTINUATION frames each
 * carrying the next fragment once, the last of them alone marked END_HEADERS. Helidon 4.5.0 sent the last
 * fragment twice and put END_STREAM on a CONTINUATION frame, where it means nothing.
 */
class SplitHeaderBlockTest {

    private static final int HEADERS = 0x1;
    private static final int DATA = 0x0;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int FRAME = 32;

    @Test
    void aBlockEndingTheStreamIsSentOnceWithEndStreamOnItsHeadersFrame() {
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());

        int written = writer.writeHeaders(large(), 1,
                Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS | Http2Flag.END_OF_STREAM),
                new OutboundWindow(1000, FRAME));

        List<RecordedWrites.Frame> frames = socket.frames();
        assertSplitBlock(frames, encoded(large()), true);
        assertThat(written).isEqualTo(socket.buffers.stream().mapToInt(b -> b.length).sum());
    }

    @Test
    void aBlockNotEndingTheStreamCarriesNoEndStream() {
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());

        writer.writeHeaders(large(), 1, Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS), new OutboundWindow(1000, FRAME));

        assertSplitBlock(socket.frames(), encoded(large()), false);
    }

    @Test
    void largeTrailersOfAWholeAnswerAreSplitTheSameWay() {
        RecordedWrites socket = new RecordedWrites();
        Http2ConnectionWriter writer = new Http2ConnectionWriter(null, socket, List.of());
        Http2Headers small = Http2Headers.create(WritableHeaders.create());
        small.status(io.helidon.http.Status.OK_200);

        writer.writeAnswer(small, message(10), large(), 1, new OutboundWindow(1000, FRAME));

        List<RecordedWrites.Frame> frames = socket.frames();
        assertThat(frames.get(0).type()).isEqualTo(HEADERS);
        assertThat(frames.get(0).flags()).isEqualTo(END_HEADERS);
        assertThat(frames.get(1).type()).isEqualTo(DATA);
        // the trailers follow the answer's own headers, which took entries in the writer's dynamic table
        List<RecordedWrites.Frame> trailers = frames.subList(2, frames.size());
        assertThat(trailers.getFirst().type()).isEqualTo(HEADERS);
        assertThat(trailers.getFirst().flags()).isEqualTo(END_STREAM);
        assertThat(trailers.subList(1, trailers.size())).extracting(RecordedWrites.Frame::type).containsOnly(CONTINUATION);
        assertThat(trailers.getLast().flags()).isEqualTo(END_HEADERS);
    }

    private static void assertSplitBlock(List<RecordedWrites.Frame> frames, byte[] block, boolean endsStream) {
        assertThat(frames.size()).as("split into frames of %d bytes", FRAME).isEqualTo((block.length + FRAME - 1) / FRAME);
        assertThat(frames.getFirst().type()).isEqualTo(HEADERS);
        assertThat(frames.getFirst().flags()).isEqualTo(endsStream ? END_STREAM : 0);
        for (RecordedWrites.Frame frame : frames.subList(1, frames.size() - 1)) {
            assertThat(frame.type()).isEqualTo(CONTINUATION);
            assertThat(frame.flags()).isZero();
        }
        assertThat(frames.getLast().type()).isEqualTo(CONTINUATION);
        assertThat(frames.getLast().flags()).isEqualTo(END_HEADERS);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        frames.forEach(frame -> sent.writeBytes(frame.payload()));
        assertThat(sent.toByteArray()).as("each fragment once, in order").isEqualTo(block);
    }

    /** Response headers whose encoded block is about a dozen frames of {@value #FRAME} bytes. */
    private static Http2Headers large() {
        WritableHeaders<?> headers = WritableHeaders.create();
        headers.add(HeaderNames.create("x-large"), "abc".repeat(128));
        Http2Headers http2 = Http2Headers.create(headers);
        http2.status(io.helidon.http.Status.OK_200);
        return http2;
    }

    /** The block a fresh connection's encoder makes of these headers, as the writer under test is fresh. */
    private static byte[] encoded(Http2Headers headers) {
        BufferData block = BufferData.growing(512);
        headers.write(Http2Headers.DynamicTable.create(Http2Setting.HEADER_TABLE_SIZE.defaultValue()),
                      Http2HuffmanEncoder.create(), block);
        byte[] bytes = new byte[block.available()];
        block.read(bytes);
        return bytes;
    }

    private static Http2FrameData message(int length) {
        return new Http2FrameData(Http2FrameHeader.create(length, Http2FrameTypes.DATA, Http2Flag.DataFlags.create(0), 1),
                BufferData.create(new byte[length]));
    }
}
