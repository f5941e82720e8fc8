package io.helidon.http.http2;

/**
 * A stream's outbound window for tests: what is sent is cut to {@link #getRemainingWindowSize()}, and the
 * settings a connection would change are fixed. Subclasses say where the room comes from.
 */
abstract class TestWindow implements FlowControl.Outbound {
    private final int maxFrameSize;

    TestWindow(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    public Http2FrameData[] cut(Http2FrameData frame) {
        return frame.cut(getRemainingWindowSize());
    }

    @Override
    public void resetStreamWindowSize(int size) {
    }

    @Override
    public long incrementStreamWindowSize(int increment) {
        return 0;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }
}
