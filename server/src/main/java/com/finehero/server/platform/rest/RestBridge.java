package com.finehero.server.platform.rest;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;

import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.errors.HttpStatusMapping;
import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.security.CallerAddress;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Serves every RPC that has a {@code google.api.http} rule as REST/JSON on the server's port. Routes
 * come only from the contract ({@link HttpBinding}). A REST call is made on an in-process gRPC channel
 * to the very service definitions Helidon's gRPC routing serves, interceptors included, so both
 * protocols give the same result, the same status and the same checks. Errors are google.rpc.Status
 * JSON with the HTTP status from {@link HttpStatusMapping}. Server streaming is sent as Server-Sent
 * Events, or NDJSON when asked for; client streaming reads an NDJSON body.
 */
public final class RestBridge implements HttpService, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RestBridge.class.getName());
    private static final String JSON = "application/json";
    private static final String NDJSON = "application/x-ndjson";
    private static final String SSE = "text/event-stream";
    /** Smaller JSON bodies go out as they are: compressing them costs more than it saves. */
    private static final int GZIP_FROM_BYTES = 1024;
    /** Request headers passed to the call as metadata besides every {@code x-*} header. */
    private static final Set<String> FORWARDED = Set.of("authorization", "traceparent", "tracestate");

    private final List<HttpBinding> bindings;
    private final Server inProcessServer;
    private final ManagedChannel channel;
    private final RequestMapper requests = new RequestMapper();
    private final JsonMessages json;
    private final ErrorMapper errors;
    private final RestConfig config;

    public RestBridge(RpcPipeline pipeline, ErrorMapper errors, RestConfig config) {
        Objects.requireNonNull(pipeline, "pipeline");
        this.errors = Objects.requireNonNull(errors, "errors");
        this.config = Objects.requireNonNull(config, "config");
        this.bindings = HttpBinding.of(pipeline).stream()
                .sorted(Comparator.comparingInt((HttpBinding b) -> b.path().specificity()).reversed())
                .toList();
        this.json = new JsonMessages();
        String name = "finehero-rest-" + UUID.randomUUID();
        InProcessServerBuilder server = InProcessServerBuilder.forName(name).directExecutor();
        pipeline.services().forEach(s -> server.addService(s.definition()));
        try {
            this.inProcessServer = server.build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        bindings.forEach(b -> LOG.log(Level.DEBUG, "REST " + b));
    }

    public List<HttpBinding> bindings() {
        return bindings;
    }

    @Override
    public void routing(HttpRules rules) {
        Set<String> prefixes = new LinkedHashSet<>();
        for (HttpBinding binding : bindings) {
            PathTemplate.Segment first = binding.path().segments().getFirst();
            prefixes.add(first.kind() == PathTemplate.Segment.Kind.LITERAL && first.variable() == null
                    ? first.literal().split(":")[0] : "");
        }
        for (String prefix : prefixes) {
            if (prefix.isEmpty()) {
                rules.any(this::handle);
            } else {
                rules.any("/" + prefix, this::handle);
                rules.any("/" + prefix + "/*", this::handle);
            }
        }
    }

    private void handle(ServerRequest req, ServerResponse res) {
        try {
            String method = req.prologue().method().text();
            String path = req.path().rawPath();
            Match match = match(method, path);
            respond(match, req, res);
        } catch (RestRequestException e) {
            sendError(res, e.httpStatus(), errors.toStatus(e.status()), e.headers());
        } catch (RuntimeException e) {
            com.google.rpc.Status status = errors.toStatus(e);
            sendError(res, HttpStatusMapping.httpStatus(io.grpc.Status.Code.values()[status.getCode()]), status, Map.of());
        }
    }

    private record Match(HttpBinding binding, Map<String, String> variables) { }

    private Match match(String method, String path) {
        Set<String> allowed = new LinkedHashSet<>();
        for (HttpBinding binding : bindings) {
            Optional<Map<String, String>> variables = binding.path().match(path);
            if (variables.isEmpty()) {
                continue;
            }
            if (binding.httpMethod().equals(method)) {
                return new Match(binding, variables.get());
            }
            allowed.add(binding.httpMethod());
        }
        if (!allowed.isEmpty()) {
            throw new RestRequestException(405, new FineHeroException.InvalidArgument("METHOD_NOT_ALLOWED",
                    method + " is not allowed on " + path + "; allowed: " + String.join(", ", allowed), List.of()),
                    Map.of("Allow", String.join(", ", allowed)));
        }
        throw new RestRequestException(404, new FineHeroException.NotFound("ROUTE_NOT_FOUND",
                "no API route matches " + method + " " + path));
    }

    private void respond(Match match, ServerRequest req, ServerResponse res) {
        HttpBinding binding = match.binding();
        if (binding.clientStreaming() && binding.serverStreaming()) {
            throw new RestRequestException(501, new FineHeroException.InvalidArgument("STREAMING_UNSUPPORTED",
                    binding.method().getName() + " streams both ways and is available over gRPC only", List.of()));
        }
        Map<String, List<String>> query = query(req);
        Metadata headers = metadata(req);
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        AtomicReference<Metadata> responseTrailers = new AtomicReference<>();
        Channel calls = ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(headers),
                MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, responseTrailers));
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) binding.definition().getMethodDescriptor();
        Message prototype = prototype(method);
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(config.timeout().toMillis(), TimeUnit.MILLISECONDS);

        if (binding.clientStreaming()) {
            clientStreaming(binding, req, res, calls, method, prototype, options, match.variables(), query,
                    responseHeaders, responseTrailers);
            return;
        }
        JsonElement body = binding.body().isEmpty() ? new JsonObject()
                : RequestMapper.parse(readBody(req, JSON), "the request body");
        Message request = requests.build(binding, prototype.newBuilderForType(), body, match.variables(), query);
        if (binding.serverStreaming()) {
            serverStreaming(binding, req, res, calls, method, request, options);
            return;
        }
        try {
            Message response = ClientCalls.blockingUnaryCall(calls, method, options, request);
            copyHeaders(res, responseHeaders.get());
            copyHeaders(res, responseTrailers.get());
            res.header(HeaderNames.CONTENT_TYPE, JSON);
            sendBody(req, res, json.print(response, binding.responseBody()).getBytes(StandardCharsets.UTF_8));
        } catch (StatusRuntimeException e) {
            callFailed(res, e, responseTrailers.get());
        }
    }

    private void serverStreaming(HttpBinding binding, ServerRequest req, ServerResponse res, Channel calls,
                                 MethodDescriptor<Message, Message> method, Message request, CallOptions options) {
        boolean ndjson = req.headers().acceptedTypes().stream()
                .anyMatch(t -> t.mediaType().text().equalsIgnoreCase(NDJSON));
        Iterator<Message> messages = ClientCalls.blockingServerStreamingCall(calls, method, options, request);
        boolean started = false;
        try {
            // wait for the first message (or the failure) before committing a 200
            boolean any = messages.hasNext();
            res.header(HeaderNames.CONTENT_TYPE, ndjson ? NDJSON : SSE);
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            started = true;
            try (OutputStream out = res.outputStream()) {
                if (any) {
                    do {
                        String line = json.print(messages.next(), binding.responseBody());
                        out.write((ndjson ? line + "\n" : "data: " + line + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } while (streamHasNext(messages, out, ndjson));
                }
            }
        } catch (StatusRuntimeException e) {
            if (!started) {
                callFailed(res, e, null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Advances the stream; a failure after the first message is written as a final error event. */
    private boolean streamHasNext(Iterator<Message> messages, OutputStream out, boolean ndjson) throws IOException {
        try {
            return messages.hasNext();
        } catch (StatusRuntimeException e) {
            com.google.rpc.Status status = errors.toStatus(e);
            String error = json.printStatus(status);
            out.write((ndjson ? "{\"error\":" + error + "}\n" : "event: error\ndata: " + error + "\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            return false;
        }
    }

    private void clientStreaming(HttpBinding binding, ServerRequest req, ServerResponse res, Channel calls,
                                 MethodDescriptor<Message, Message> method, Message prototype, CallOptions options,
                                 Map<String, String> variables, Map<String, List<String>> query,
                                 AtomicReference<Metadata> responseHeaders, AtomicReference<Metadata> responseTrailers) {
        requireContentType(req, NDJSON);
        CompletableFuture<Message> result = new CompletableFuture<>();
        StreamObserver<Message> upload = ClientCalls.asyncClientStreamingCall(calls.newCall(method, options),
                new StreamObserver<>() {
                    @Override
                    public void onNext(Message value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.complete(null);
                    }
                });
        long total = 0;
        int lineNumber = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(req.content().inputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (!result.isDone() && (line = lines.readLine()) != null) {
                lineNumber++;
                total += line.length() + 1;
                if (total > config.maxStreamBytes()) {
                    upload.onError(io.grpc.Status.CANCELLED.withDescription("request too large").asRuntimeException());
                    throw tooLarge(config.maxStreamBytes());
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonObject object = RequestMapper.parseObject(line, "NDJSON line " + lineNumber);
                upload.onNext(requests.build(binding, prototype.newBuilderForType(), object, variables, query));
            }
            upload.onCompleted();
        } catch (IOException e) {
            upload.onError(io.grpc.Status.CANCELLED.withDescription("request body unreadable").asRuntimeException());
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            if (!result.isDone()) {
                upload.onError(io.grpc.Status.CANCELLED.withDescription("bad request body").asRuntimeException());
            }
            throw e;
        }
        try {
            Message response = result.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            copyHeaders(res, responseHeaders.get());
            copyHeaders(res, responseTrailers.get());
            res.header(HeaderNames.CONTENT_TYPE, JSON);
            sendBody(req, res, json.print(response, binding.responseBody()).getBytes(StandardCharsets.UTF_8));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException failure) {
                callFailed(res, failure, responseTrailers.get());
            } else {
                throw new IllegalStateException(e.getCause());
            }
        } catch (TimeoutException e) {
            callFailed(res, io.grpc.Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded").asRuntimeException(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String readBody(ServerRequest req, String expectedType) {
        if (!req.content().hasEntity()) {
            return "";
        }
        requireContentType(req, expectedType);
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > config.maxBodyBytes()) {
            throw tooLarge(config.maxBodyBytes());
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes(config.maxBodyBytes() + 1);
            if (bytes.length > config.maxBodyBytes()) {
                throw tooLarge(config.maxBodyBytes());
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

    /** Sends a JSON body, gzipped when it is large enough to gain from it and the client accepts gzip. */
    private static void sendBody(ServerRequest req, ServerResponse res, byte[] body) {
        res.header(HeaderNames.VARY, "Accept-Encoding");
        boolean acceptsGzip = req.headers().first(HeaderNames.ACCEPT_ENCODING)
                .map(value -> Arrays.stream(value.split(",")).map(v -> v.split(";")[0].strip()).anyMatch("gzip"::equalsIgnoreCase))
                .orElse(false);
        if (body.length < GZIP_FROM_BYTES || !acceptsGzip) {
            res.send(body);
            return;
        }
        ByteArrayOutputStream compressed = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        res.header(HeaderNames.CONTENT_ENCODING, "gzip");
        res.send(compressed.toByteArray());
    }

    private static Metadata metadata(ServerRequest req) {
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

    private static void copyHeaders(ServerResponse res, Metadata metadata) {
        if (metadata == null) {
            return;
        }
        for (String key : metadata.keys()) {
            if ((key.startsWith("x-") || key.equals("traceparent")) && !key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                Iterable<String> values = metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                if (values != null) {
                    List<String> all = new ArrayList<>();
                    values.forEach(all::add);
                    res.header(key, all.toArray(String[]::new));
                }
            }
        }
    }

    private void callFailed(ServerResponse res, StatusRuntimeException failure, Metadata trailers) {
        com.google.rpc.Status status = errors.toStatus(failure);
        Map<String, String> extra = new LinkedHashMap<>();
        retryAfter(status).ifPresent(seconds -> extra.put("Retry-After", Long.toString(seconds)));
        if (trailers != null) {
            copyHeaders(res, trailers);
        }
        sendError(res, HttpStatusMapping.httpStatus(io.grpc.Status.Code.values()[status.getCode()]), status, extra);
    }

    private static Optional<Long> retryAfter(com.google.rpc.Status status) {
        int code = status.getCode();
        if (code != io.grpc.Status.Code.RESOURCE_EXHAUSTED.value() && code != io.grpc.Status.Code.UNAVAILABLE.value()) {
            return Optional.empty();
        }
        long seconds = 1;
        for (var detail : status.getDetailsList()) {
            if (detail.is(RetryInfo.class)) {
                try {
                    var delay = detail.unpack(RetryInfo.class).getRetryDelay();
                    seconds = Math.max(1, delay.getSeconds() + (delay.getNanos() > 0 ? 1 : 0));
                } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
                    // keep the default
                }
            }
        }
        return Optional.of(seconds);
    }

    private void sendError(ServerResponse res, int httpStatus, com.google.rpc.Status status, Map<String, String> headers) {
        if (res.isSent()) {
            return;
        }
        res.status(httpStatus);
        headers.forEach(res::header);
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(json.printStatus(status).getBytes(StandardCharsets.UTF_8));
    }

    private static Message prototype(MethodDescriptor<Message, Message> method) {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller) {
            return (Message) marshaller.getMessagePrototype();
        }
        throw new IllegalStateException(method.getFullMethodName() + " has no protobuf request marshaller");
    }

    @Override
    public void close() {
        channel.shutdownNow();
        inProcessServer.shutdownNow();
    }
}
