package com.finehero.server.platform.rest;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

import com.finehero.server.platform.errors.FineHeroException;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Message;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Request and response bodies: the size limits (413), the content types accepted (415), gzip for
 * large JSON responses, and proto3 JSON to and from messages by the HTTP rule.
 */
final class BodyCodec {

    static final String JSON = "application/json";
    static final String NDJSON = "application/x-ndjson";
    /** Smaller JSON bodies go out as they are: compressing them costs more than it saves. */
    private static final int GZIP_FROM_BYTES = 1024;
    // the headers of every JSON answer, built once rather than per answer
    private static final Header JSON_CONTENT_TYPE = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, JSON);
    private static final Header VARY_ACCEPT_ENCODING = HeaderValues.createCached(HeaderNames.VARY, "Accept-Encoding");
    private static final Header GZIPPED = HeaderValues.createCached(HeaderNames.CONTENT_ENCODING, "gzip");

    private final RequestMapper requests = new RequestMapper();
    private final JsonMessages json;
    private final PrintedBodies printed;
    private final int maxBodyBytes;
    private final int maxStreamBytes;
    private final int maxLineBytes;

    BodyCodec(JsonMessages json, RestConfig config) {
        this.json = Objects.requireNonNull(json, "json");
        this.printed = new PrintedBodies(json::print);
        Objects.requireNonNull(config, "config");
        this.maxBodyBytes = config.maxBodyBytes();
        this.maxStreamBytes = config.maxStreamBytes();
        this.maxLineBytes = config.maxLineBytes();
    }

    /** The request of a unary or server-streaming call, from the JSON body, path variables and query. */
    Message request(RouteTable.Match match, Message.Builder builder, ServerRequest req) {
        Map<String, List<String>> query = query(req);
        HttpBinding binding = match.binding();
        JsonElement body = binding.body().isEmpty() ? new JsonObject()
                : RequestMapper.parse(readBody(req, JSON), "the request body");
        return requests.build(binding, builder, body, match.variables(), query);
    }

    /** The requests of a client-streaming call, one per NDJSON line; refuses any other body type. */
    NdjsonRequests ndjsonRequests(RouteTable.Match match, Supplier<Message.Builder> builders, ServerRequest req) {
        Map<String, List<String>> query = query(req);
        requireContentType(req, NDJSON);
        return new NdjsonRequests(match, builders, query, req);
    }

    /** A message as JSON: the whole message, or only the field the HTTP rule's response_body names. */
    String print(Message message, HttpBinding binding) {
        return json.print(message, binding.responseBody());
    }

    /** Sends a message as the JSON response body. */
    void send(Message message, HttpBinding binding, ServerRequest req, ServerResponse res) {
        res.header(JSON_CONTENT_TYPE);
        sendBody(req, res, printed.json(message, binding.responseBody()));
    }

    /**
     * A client stream's NDJSON body, read one request a line and held to the stream limit. Lines are
     * read into a buffer no larger than the line limit, so an oversized line is refused (413) when
     * the limit is passed, not after the whole line has arrived.
     */
    final class NdjsonRequests implements Closeable {

        private final RouteTable.Match match;
        private final Supplier<Message.Builder> builders;
        private final Map<String, List<String>> query;
        private final ServerRequest req;
        private final byte[] buffer = new byte[8192];
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private InputStream in;
        private int position;
        private int limit;
        private long total;
        private int lineNumber;

        private NdjsonRequests(RouteTable.Match match, Supplier<Message.Builder> builders,
                               Map<String, List<String>> query, ServerRequest req) {
            this.match = match;
            this.builders = builders;
            this.query = query;
            this.req = req;
        }

        /** The next request, or null at the end of the body; blank lines are skipped. */
        Message next() throws IOException {
            if (in == null) {
                in = req.content().inputStream();
            }
            String text;
            while ((text = nextLine()) != null) {
                if (!text.isBlank()) {
                    JsonObject object = RequestMapper.parseObject(text, "NDJSON line " + lineNumber);
                    return requests.build(match.binding(), builders.get(), object, match.variables(), query);
                }
            }
            return null;
        }

        /** The next line without its line break, or null at the end of the body. */
        private String nextLine() throws IOException {
            line.reset();
            boolean any = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return any ? lineText() : null;
                    }
                }
                any = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                boolean ended = position < limit;
                int length = position - start;
                total += length + (ended ? 1 : 0);
                if (total > maxStreamBytes) {
                    throw tooLarge(maxStreamBytes);
                }
                if (line.size() + length > maxLineBytes) {
                    throw new RestRequestException(413, new FineHeroException.InvalidArgument("LINE_TOO_LARGE",
                            "NDJSON line " + (lineNumber + 1) + " is longer than the limit of " + maxLineBytes
                                    + " bytes (one request message a line)", List.of()));
                }
                line.write(buffer, start, length);
                if (ended) {
                    position++;
                    return lineText();
                }
            }
        }

        private String lineText() {
            lineNumber++;
            String text = line.toString(StandardCharsets.UTF_8);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }

    private String readBody(ServerRequest req, String expectedType) {
        if (!req.content().hasEntity()) {
            return "";
        }
        requireContentType(req, expectedType);
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes(maxBodyBytes + 1);
            if (bytes.length > maxBodyBytes) {
                throw tooLarge(maxBodyBytes);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void requireContentType(ServerRequest req, String expected) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isEmpty()) {
            return; // no Content-Type: read as the expected type
        }
        String given = type.get().mediaType().text().toLowerCase(Locale.ROOT);
        boolean ok = given.equals(expected) || (expected.equals(JSON) && given.endsWith("+json"));
        if (!ok) {
            throw new RestRequestException(415, new FineHeroException.InvalidArgument("UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type " + given + " is not supported here; send " + expected, List.of()));
        }
    }

    private static RestRequestException tooLarge(int limit) {
        return new RestRequestException(413, new FineHeroException.InvalidArgument("BODY_TOO_LARGE",
                "the request body is larger than the limit of " + limit + " bytes", List.of()));
    }

    private static Map<String, List<String>> query(ServerRequest req) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            List<String> values = new ArrayList<>(req.query().all(name));
            query.put(name, values);
        }
        return query;
    }

    /**
     * Sends a JSON body, gzipped when it is large enough to gain from it and the client accepts gzip. The
     * body may be shared with other answers ({@link PrintedBodies}), so it is only read.
     */
    private static void sendBody(ServerRequest req, ServerResponse res, byte[] body) {
        varyOnAcceptEncoding(res);
        if (body.length < GZIP_FROM_BYTES || !acceptsGzip(req)) {
            res.send(body);
            return;
        }
        ByteArrayOutputStream compressed = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        res.header(GZIPPED);
        res.send(compressed.toByteArray());
    }

    /**
     * Adds Accept-Encoding to what the answer varies on, keeping what is there already (Origin, for an
     * allowed cross-origin caller): a cache keyed on one of them alone could hand one origin's answer,
     * or a gzipped one, to a client it was not made for.
     */
    private static void varyOnAcceptEncoding(ServerResponse res) {
        if (!res.headers().contains(HeaderNames.VARY)) {
            res.header(VARY_ACCEPT_ENCODING);
            return;
        }
        List<String> values = new ArrayList<>(res.headers().get(HeaderNames.VARY).allValues());
        values.add("Accept-Encoding");
        res.header(HeaderNames.VARY, values.toArray(String[]::new));
    }

    private static boolean acceptsGzip(ServerRequest req) {
        return req.headers().first(HeaderNames.ACCEPT_ENCODING)
                .map(value -> Arrays.stream(value.split(",")).map(v -> v.split(";")[0].strip()).anyMatch("gzip"::equalsIgnoreCase))
                .orElse(false);
    }
}
