package io.helidon.http.http2;

/**
 * A stream's outbound window of a given size (the connection's within it) for tests, recording what is
 * taken. Waiting for more room fails, unless the window was made {@link #granting} it.
 */
final class OutboundWindow extends TestWindow {
    private final int grant;
    private int size;
    int taken;

    OutboundWindow(int size) {
        this(size, 16_384);
    }

    OutboundWindow(int size, int maxFrameSize) {
        this(size, maxFrameSize, 0);
    }

    private OutboundWindow(int size, int maxFrameSize, int grant) {
        super(maxFrameSize);
        this.size = size;
        this.grant = grant;
    }

    /** A window of {@code size} given {@code grant} more each time the stream waits, as a WINDOW_UPDATE would. */
    static OutboundWindow granting(int size, int grant) {
        return new OutboundWindow(size, 16_384, grant);
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
    public void blockTillUpdate() {
        if (grant == 0) {
            // no WINDOW_UPDATE ever comes: fail rather than spin
            throw new IllegalStateException("the window of " + size + " bytes is used up");
        }
        size += grant;
    }
}
