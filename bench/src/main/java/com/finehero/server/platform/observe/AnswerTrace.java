package com.finehero.server.platform.observe;

/**
 * The {@code traceparent} FineHero answers a call with ({@link TraceContext}: the caller's trace continued
 * with a span of this server's, or a new trace), for a floor that keeps the same trace guarantee with
 * FineHero's own code rather than a copy of it.
 */
public final class AnswerTrace {

    private AnswerTrace() {
    }

    /** The answer's {@code traceparent} for a call whose caller sent {@code given} (or null). */
    public static String traceparent(String given) {
        return TraceContext.serverSpan(TraceContext.parse(given)).header();
    }
}
