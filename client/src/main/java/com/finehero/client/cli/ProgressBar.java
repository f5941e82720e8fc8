package com.finehero.client.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on standard error, redrawn in place ({@code \r}); silent when not asked for,
 * so scripts and JSON output stay clean.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private int lastPercent = -1;

    ProgressBar(PrintWriter err, String label, boolean enabled) {
        this.err = err;
        this.label = label;
        this.enabled = enabled;
    }

    void update(long done, long total, String detail) {
        int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
        if (!enabled || percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        int filled = percent * WIDTH / 100;
        err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "% " + TerminalText.clean(detail));
        err.flush();
    }

    void finish() {
        if (enabled && lastPercent >= 0) {
            err.println();
        }
    }
}
