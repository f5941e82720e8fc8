package com.finehero.server.platform.rpc;

import io.helidon.http.http2.FlowControl;
import io.helidon.http.http2.Http2FrameData;
import io.helidon.http.http2.Http2Headers;

/**
 * A stream writer that can write a unary gRPC answer whole: FineHero's patched Helidon
 * {@code Http2ConnectionWriter}, and the writers that wrap it on the way to Helidon's gRPC handler, which
 * pass it on (docs/decisions/2026-12-06-a-unary-answer-written-whole.md).
 */
public interface WholeAnswerWriter {

    /**
     * An answer of one message written whole: its headers, the message's DATA frame and the trailers that end
     * the stream, encoded under one acquisition of the connection writer's lock and handed to the connection's
     * data writer as one buffer, where writing them one by one takes the lock three times and lets other
     * streams' frames in between. Writes nothing and returns {@code -1} when the message does not fit in one
     * frame or in the stream's and the connection's outbound windows; the caller then writes the three parts
     * one by one, which waits for the windows.
     *
     * @param headers     the answer's headers
     * @param dataFrame   the message, one DATA frame without END_STREAM
     * @param trailers    the trailers, sent with END_HEADERS and END_STREAM
     * @param streamId    the stream
     * @param flowControl the stream's outbound flow control
     * @return bytes written, or {@code -1} when nothing was written
     */
    int writeAnswer(Http2Headers headers, Http2FrameData dataFrame, Http2Headers trailers, int streamId,
                    FlowControl.Outbound flowControl);
}
