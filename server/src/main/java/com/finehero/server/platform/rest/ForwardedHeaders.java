package com.finehero.server.platform.rest;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.security.CallerAddress;
import io.grpc.Metadata;
import io.helidon.http.Header;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The headers that cross the bridge. In: every {@code x-*} header, credentials and trace context, as
 * call metadata. Out: the call's {@code x-*} and traceparent metadata, as response headers, but for the
 * request id, which the bridge sets itself (the id it gave the call). Binary
 * ({@code -bin}) metadata never crosses.
 */
final class ForwardedHeaders {

    /** Request headers passed to the call as metadata besides every {@code x-*} header. */
    private static final Set<String> FORWARDED = Set.of("authorization", "traceparent", "tracestate");
    private static final String REQUEST_ID = RequestContext.REQUEST_ID_HEADER.name();

    private ForwardedHeaders() {
    }

    static Metadata toMetadata(ServerRequest req) {
        Metadata metadata = new Metadata();
        for (Header header : req.headers()) {
            String name = header.name().toLowerCase(Locale.ROOT);
            if ((name.startsWith("x-") || FORWARDED.contains(name)) && !name.endsWith("-bin")) {
                Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
                for (String value : header.allValues()) {
                    metadata.put(key, value);
                }
            }
        }
        metadata.removeAll(RequestContext.PROTOCOL_HEADER);
        metadata.put(RequestContext.PROTOCOL_HEADER, "rest");
        // believed only on in-process calls; a client's own value never gets through
        metadata.removeAll(CallerAddress.HEADER);
        metadata.put(CallerAddress.HEADER, req.remotePeer().host());
        return metadata;
    }

    /**
     * Copies call headers or trailers to the response; null (none received) copies nothing. The request
     * id is not copied: the bridge answers every request with the id it gave the call, which the call
     * echoes unchanged.
     */
    static void copyToResponse(Metadata metadata, ServerResponse res) {
        if (metadata == null) {
            return;
        }
        for (String key : metadata.keys()) {
            if ((key.startsWith("x-") || key.equals("traceparent")) && !key.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                    && !key.equals(REQUEST_ID)) {
                Iterable<String> values = metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                if (values != null) {
                    res.header(key, asArray(values));
                }
            }
        }
    }

    /** A call's header values (almost always one) as the array Helidon takes, without a list between. */
    private static String[] asArray(Iterable<String> values) {
        Iterator<String> each = values.iterator();
        String first = each.next();
        if (!each.hasNext()) {
            return new String[] {first};
        }
        List<String> all = new ArrayList<>();
        all.add(first);
        each.forEachRemaining(all::add);
        return all.toArray(String[]::new);
    }
}
