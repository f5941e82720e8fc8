/*
 * Copyright (c) 2022, 2025 Oracle and/or its affiliates.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 *
 * FineHero patch of Helidon 4.5.0's Http2ConnectionWriter (tag 4.5.0): the lock is not fair, and a unary
 * answer (headers, message, trailers) is encoded under one acquisition of it and handed to the data writer
 * as one buffer; a header block over one frame is split as Helidon 4.5.3 splits it (each fragment once,
 * END_STREAM on the HEADERS frame); and a data frame's room in the windows is checked and taken under the
 * lock. Every change is marked "FineHero patch"; see
 * docs/decisions/2026-12-06-a-unary-answer-written-whole.md.
 */

package io.helidon.http.http2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.SocketContext;

import com.finehero.server.platform.rpc.WholeAnswerWriter;

/**
 * HTTP/2 connection writer (FineHero patch: also a {@link WholeAnswerWriter}).
 */
public class Http2ConnectionWriter implements Http2StreamWriter, WholeAnswerWriter {
    private final DataWriter writer;

    // FineHero patch: not fair. FineHero's gRPC connections queue their frames (CoalescingWriter), so under
    // the lock a frame is only encoded and queued and nobody holds it long; a fair lock made every contended
    // acquisition park the virtual thread and wait its turn behind the others. (A connection that writes to
    // its socket directly, as an h2c upgrade does, writes under the lock as before.)
    private final Lock streamLock;
    // FineHero patch: while writeAnswer holds the lock, the bytes of its frames, written as one buffer
    private List<BufferData> gathering;
    private final SocketContext ctx;
    private final Http2FrameListener listener;
    private final Http2Headers.DynamicTable outboundDynamicTable;
    private final Http2HuffmanEncoder responseHuffman;
    private final BufferData headerBuffer = BufferData.growing(512);

    /**
     * A new writer.
     *
     * @param ctx                connection context
     * @param writer             data writer
     * @param sendFrameListeners send frame listeners
     */
    public Http2ConnectionWriter(SocketContext ctx, DataWriter writer, List<Http2FrameListener> sendFrameListeners) {
        this(ctx, writer, sendFrameListeners, new ReentrantLock()); // FineHero patch: the lock passed on, for tests
    }

    // FineHero patch: with the lock given, so a test can count its acquisitions
    Http2ConnectionWriter(SocketContext ctx, DataWriter writer, List<Http2FrameListener> sendFrameListeners, Lock streamLock) {
        this.streamLock = streamLock;
        this.ctx = ctx;
        this.listener = Http2FrameListener.create(sendFrameListeners);
        this.writer = writer;

        // initial size is based on our settings, then updated with client settings
        this.outboundDynamicTable = Http2Headers.DynamicTable.create(Http2Setting.HEADER_TABLE_SIZE.defaultValue());
        this.responseHuffman = Http2HuffmanEncoder.create();
    }

    @Override
    public void write(Http2FrameData frame) {
        lockedWrite(frame);
    }

    @Override
    public void writeData(Http2FrameData frame, FlowControl.Outbound flowControl) {
        for (Http2FrameData f : frame.split(flowControl.maxFrameSize())) {
            splitAndWrite(f, flowControl);
        }
    }

    @Override
    public int writeHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, FlowControl.Outbound flowControl) {
        // this is executing in the thread of the stream
        // we must enforce parallelism of exactly 1, to make sure the dynamic table is updated
        // and then immediately written

        int maxFrameSize = flowControl.maxFrameSize();

        lock();
        try {
            return noLockWriteHeaders(headers, streamId, flags, maxFrameSize); // FineHero patch: body moved there
        } finally {
            streamLock.unlock();
        }
    }

    // FineHero patch: writeHeaders's body, unchanged, for writeAnswer to use under the same lock
    private int noLockWriteHeaders(Http2Headers headers, int streamId, Http2Flag.HeaderFlags flags, int maxFrameSize) {
        int written = 0;
        headerBuffer.clear();
        headers.write(outboundDynamicTable, responseHuffman, headerBuffer);

        // Fast path when headers fits within the SETTINGS_MAX_FRAME_SIZE
        if (headerBuffer.available() <= maxFrameSize) {
            Http2FrameHeader frameHeader = Http2FrameHeader.create(headerBuffer.available(),
                    Http2FrameTypes.HEADERS,
                    flags,
                    streamId);
            written += frameHeader.length();
            written += Http2FrameHeader.LENGTH;

            noLockWrite(new Http2FrameData(frameHeader, headerBuffer));
            return written;
        }

        // Split header frame to smaller continuation frames RFC 9113 §6.10
        BufferData[] fragments = Http2Headers.split(headerBuffer, maxFrameSize);

        // First header fragment
        BufferData fragment = fragments[0];
        Http2FrameHeader frameHeader;
        frameHeader = Http2FrameHeader.create(fragment.available(),
                Http2FrameTypes.HEADERS,
                // FineHero patch, as Helidon 4.5.3: END_STREAM belongs on the HEADERS frame (RFC 9113 §6.10)
                Http2Flag.HeaderFlags.create(flags.endOfStream() ? Http2Flag.END_OF_STREAM : 0),
                streamId);
        written += frameHeader.length();
        written += Http2FrameHeader.LENGTH;
        noLockWrite(new Http2FrameData(frameHeader, fragment));

        // Header continuation fragments in the middle
        for (int i = 1; i < fragments.length - 1; i++) { // FineHero patch, as 4.5.3: the last one follows, once
            fragment = fragments[i];
            frameHeader = Http2FrameHeader.create(fragment.available(),
                    Http2FrameTypes.CONTINUATION,
                    Http2Flag.ContinuationFlags.create(0),
                    streamId);
            written += frameHeader.length();
            written += Http2FrameHeader.LENGTH;
            noLockWrite(new Http2FrameData(frameHeader, fragment));
        }

        // Last header continuation fragment
        fragment = fragments[fragments.length - 1];
        frameHeader = Http2FrameHeader.create(fragment.available(),
                Http2FrameTypes.CONTINUATION,
                // Last fragment needs to indicate the end of headers
                Http2Flag.ContinuationFlags.create(Http2Flag.END_OF_HEADERS), // FineHero patch, as 4.5.3
                streamId);
        written += frameHeader.length();
        written += Http2FrameHeader.LENGTH;
        noLockWrite(new Http2FrameData(frameHeader, fragment));
        return written;
    }

    // FineHero patch: see WholeAnswerWriter
    @Override
    public int writeAnswer(Http2Headers headers,
                           Http2FrameData dataFrame,
                           Http2Headers trailers,
                           int streamId,
                           FlowControl.Outbound flowControl) {
        int length = dataFrame.header().length();
        int maxFrameSize = flowControl.maxFrameSize();
        List<BufferData> frames = new ArrayList<>(3);
        int written;
        lock();
        try {
            // checked and taken under the lock, so two answers cannot both count on the connection's last room
            if (length > maxFrameSize || length > flowControl.getRemainingWindowSize()) {
                return -1;
            }
            gathering = frames;
            written = noLockWriteHeaders(headers, streamId, Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS),
                                         maxFrameSize);
            noLockWrite(dataFrame);
            flowControl.decrementWindowSize(length);
            written += Http2FrameHeader.LENGTH + length;
            written += noLockWriteHeaders(trailers,
                                          streamId,
                                          Http2Flag.HeaderFlags.create(Http2Flag.END_OF_HEADERS | Http2Flag.END_OF_STREAM),
                                          maxFrameSize);
            gathering = null;
            writer.writeNow(BufferData.create(frames));
        } finally {
            gathering = null;
            streamLock.unlock();
        }
        return written;
    }

    @Override
    public int writeHeaders(Http2Headers headers,
                            int streamId,
                            Http2Flag.HeaderFlags flags,
                            Http2FrameData dataFrame,
                            FlowControl.Outbound flowControl) {
        // Executed on stream thread
        int bytesWritten = 0;
        bytesWritten += writeHeaders(headers, streamId, flags, flowControl);
        writeData(dataFrame, flowControl);
        bytesWritten += Http2FrameHeader.LENGTH;
        bytesWritten += dataFrame.header().length();

        return bytesWritten;
    }

    /**
     * Update header table size.
     *
     * @param newSize in bytes
     * @throws InterruptedException in case we fail to lock on the stream
     */
    public void updateHeaderTableSize(long newSize) throws InterruptedException {
        lock();
        try {
            outboundDynamicTable.protocolMaxTableSize(newSize);
        } finally {
            streamLock.unlock();
        }
    }

    private void lockedWrite(Http2FrameData frame) {
        lock();
        try {
            noLockWrite(frame);
        } finally {
            streamLock.unlock();
        }
    }

    private void lock() {
        try {
            streamLock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private void noLockWrite(Http2FrameData frame) {
        Http2FrameHeader frameHeader = frame.header();
        int streamId = frameHeader.streamId();
        listener.frameHeader(ctx, streamId, frameHeader);

        BufferData headerData = frameHeader.write();
        listener.frameHeader(ctx, streamId, headerData);

        BufferData bytes = headerData;
        if (frameHeader.length() != 0) {
            BufferData data = frame.data().copy();
            listener.frame(ctx, streamId, data);
            bytes = BufferData.create(headerData, data);
        }
        if (gathering != null) { // FineHero patch: a whole answer's frames, written together by writeAnswer
            gathering.add(bytes);
        } else {
            writer.writeNow(bytes);
        }
    }

    // FineHero patch: the room is checked and taken under the lock, as writeAnswer takes it. Helidon 4.5.0 cut
    // the frame before the lock and took the room after it, so two streams could both send the connection's
    // last room and overrun the client's window (a FLOW_CONTROL_ERROR that ends the connection).
    private void splitAndWrite(Http2FrameData frame, FlowControl.Outbound flowControl) {
        Http2FrameData currFrame = frame;
        while (true) {
            Http2FrameData[] splitFrames;
            lock();
            try {
                splitFrames = flowControl.cut(currFrame);
                if (splitFrames.length > 0) {
                    noLockWrite(splitFrames[0]);
                    flowControl.decrementWindowSize(splitFrames[0].header().length());
                }
            } finally {
                streamLock.unlock();
            }
            if (splitFrames.length == 1) {
                // windows were wide enough
                break;
            }
            // block until window update, then write the rest: none of it was written (no frames), or
            // all but the second of the two parts Http2FrameData.cut makes
            flowControl.blockTillUpdate();
            if (splitFrames.length > 1) {
                currFrame = splitFrames[1];
            }
        }
    }
}
