package io.helidon.http.http2;

/** A stream's outbound window of a given size (the connection's within it) for tests, recording what is taken. */
final class OutboundWindow implements FlowControl.Outbound {
    private final int size;
    private final int maxFrameSize;
    int taken;

    OutboundWindow(int size) {
        this(size, 16_384);
    }

    OutboundWindow(int size, int maxFrameSize) {
        this.size = size;
        this.maxFrameSize = maxFrameSize;
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
        // no WINDOW_UPDATE ever comes in a test: fail rather than spin
        throw new IllegalStateException("the window of " + size + " bytes is used up");
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }
}
