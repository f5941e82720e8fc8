package com.finehero.server.platform.observe;

import java.util.logging.LogManager;

/**
 * A LogManager that ignores the reset the JDK's own shutdown hook performs, so what FineHero logs while
 * draining on SIGTERM ("stopping", "stopped") is not lost to a race between hooks. FineHero's
 * shutdown calls {@link #resetAtExit()} once it is done. Selected in {@code Main} before any logging.
 */
public final class ShutdownSafeLogManager extends LogManager {

    private static volatile ShutdownSafeLogManager instance;

    public ShutdownSafeLogManager() {
        instance = this;
    }

    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) {
            return; // the JDK's cleaner thread at shutdown: FineHero resets later, itself
        }
        super.reset();
    }

    /** Flushes and closes the handlers; call last in a shutdown hook. */
    public static void resetAtExit() {
        ShutdownSafeLogManager manager = instance;
        if (manager != null) {
            manager.resetNow();
        }
    }

    private void resetNow() {
        super.reset();
    }
}
