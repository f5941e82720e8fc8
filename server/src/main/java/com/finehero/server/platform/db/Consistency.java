package com.finehero.server.platform.db;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.Context;

/**
 * What one call has seen and written of the primary's write-ahead log, so that a read replica serves it
 * only what is at least as new. A caller sends back the newest consistency token it was given
 * ({@value #HEADER}: a PostgreSQL LSN such as {@code 0/16B3748}); every transaction the call commits
 * on the primary moves {@link #written()}, and the call's answer carries that position as its new token.
 * {@link Database#readReplica} reads on a replica only once the replica has replayed up to
 * {@link #required()}, the greater of the two, so a caller reads its own writes whichever instance or
 * replica answers it.
 *
 * <p>Lives on the call's gRPC {@link Context} ({@link #KEY}); background work has none and reads the
 * primary.
 */
public final class Consistency {

    /** The request and response header (gRPC metadata, forwarded as an HTTP header by the REST bridge). */
    public static final String HEADER = "x-finehero-consistency";

    /** Where a call carries its consistency. */
    public static final Context.Key<Consistency> KEY = Context.key("finehero-consistency");

    private final long given;
    private final AtomicLong written = new AtomicLong();
    /** A commit whose position could not be read: no replica is known to have it, so reads stay on the primary. */
    private volatile boolean writtenUnknown;

    private Consistency(long given) {
        this.given = given;
    }

    /** No token given: any usable replica may serve the call's reads until it writes. */
    public static Consistency none() {
        return new Consistency(0);
    }

    /**
     * The consistency a caller asked for with {@code token} (null or blank: none).
     *
     * @throws IllegalArgumentException naming what was wrong, when {@code token} is not an LSN
     */
    public static Consistency of(String token) {
        return token == null || token.isBlank() ? none() : new Consistency(parse(token.strip()));
    }

    /** The consistency of several tokens given at once: the newest of them; each must be a token. */
    public static Consistency of(Iterable<String> tokens) {
        long newest = 0;
        for (String token : tokens) {
            newest = Math.max(newest, of(token).given);
        }
        return new Consistency(newest);
    }

    /** The WAL position a replica must have replayed to serve this call: the caller's token or its own last write. */
    public long required() {
        return writtenUnknown ? Long.MAX_VALUE : Math.max(given, written.get());
    }

    /** Records that a transaction of this call committed with the primary at {@code lsn}. */
    void wrote(long lsn) {
        written.accumulateAndGet(lsn, Math::max);
    }

    /** Records that a transaction of this call committed but the primary's position could not be read. */
    void wroteAtUnknownPosition() {
        writtenUnknown = true;
    }

    /** The primary's position after this call's last write, or 0 if it wrote nothing. */
    public long written() {
        return written.get();
    }

    /** The token to answer with: present once the call has written. */
    public Optional<String> token() {
        long lsn = written.get();
        return lsn == 0 ? Optional.empty() : Optional.of(format(lsn));
    }

    /** PostgreSQL's text form of an LSN, {@code X/Y} with X and Y hexadecimal (high and low 32 bits). */
    public static long parse(String lsn) {
        if (!LSN.matcher(lsn).matches()) {
            throw new IllegalArgumentException(HEADER + ": '" + shorten(lsn)
                    + "' is not a consistency token (expected: the value of a previous answer's " + HEADER + ", such as 0/16B3748)");
        }
        int slash = lsn.indexOf('/');
        return Long.parseLong(lsn, 0, slash, 16) << 32 | Long.parseLong(lsn, slash + 1, lsn.length(), 16);
    }

    private static final java.util.regex.Pattern LSN = java.util.regex.Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase(java.util.Locale.ROOT);
    }

    private static String shorten(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
