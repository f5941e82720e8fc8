package com.finehero.server.platform.rest;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;

import com.finehero.server.platform.errors.ErrorMapper;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.errors.HttpStatusMapping;
import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.finehero.server.platform.security.CallGate;
import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.websocket.WsRouting;

/**
 * Serves every RPC that has a {@code google.api.http} rule as REST/JSON on the server's port. Routes
 * come only from the contract ({@link HttpBinding}). A REST call is made on an in-process gRPC channel
 * to the very service definitions Helidon's gRPC routing serves, interceptors included
 * ({@link InProcessCalls}), so both protocols give the same result, the same status and the same
 * checks. Errors are google.rpc.Status JSON with the HTTP status from {@link HttpStatusMapping}
 * ({@link ErrorBodies}). Server streaming is sent as Server-Sent Events, or NDJSON when asked for;
 * client streaming reads an NDJSON body ({@link StreamingCalls}). Before any body is read, the
 * {@link CallGate} charges the client's address and, for a request with a body, checks its
 * credentials, so a refused caller's upload is never read or parsed.
 */
public final class RestBridge implements HttpService, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RestBridge.class.getName());
    private static final HeaderName REQUEST_ID = HeaderNames.create("x-request-id");

    private final RouteTable routes;
    private final InProcessCalls calls;
    private final BodyCodec codec;
    private final ErrorBodies errorBodies;
    private final UnaryCalls unary;
    private final StreamingCalls streaming;
    private final CallGate gate;
    private final RestConfig config;
    private final List<StreamSockets> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param gate the address limit and credential check the pipeline applies, asked here from the
     *             headers before a request body is read
     */
    public RestBridge(RpcPipeline pipeline, ErrorMapper errors, RestConfig config, CallGate gate) {
        Objects.requireNonNull(pipeline, "pipeline");
        this.gate = Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(errors, "errors");
        this.config = Objects.requireNonNull(config, "config");
        JsonMessages json = new JsonMessages();
        this.routes = new RouteTable(HttpBinding.of(pipeline));
        this.codec = new BodyCodec(json, config);
        this.errorBodies = new ErrorBodies(errors, json);
        this.unary = new UnaryCalls(codec, errorBodies);
        this.streaming = new StreamingCalls(codec, errorBodies, config.timeout(), config.heartbeat());
        this.calls = new InProcessCalls(pipeline, config.timeout(), config.streamLifetime());
        routes.bindings().forEach(b -> LOG.log(Level.DEBUG, "REST " + b));
    }

    @Override
    public void routing(HttpRules rules) {
        for (String prefix : routes.prefixes()) {
            if (prefix.isEmpty()) {
                rules.any(this::handle);
            } else {
                rules.any("/" + prefix, this::handle);
                rules.any("/" + prefix + "/*", this::handle);
            }
        }
    }

    private void handle(ServerRequest req, ServerResponse res) {
        // every answer carries the request id, a refusal made here before any call runs as much as a call's
        // own (which uses the same id): it is what a caller quotes and what the logs are searched for
        String requestId = RequestContext.requestIdFor(req.headers().first(REQUEST_ID).orElse(null));
        res.header(REQUEST_ID, requestId);
        try {
            respond(routes.match(req.prologue().method().text(), req.path().rawPath()), req, res, requestId);
        } catch (RestRequestException e) {
            refuse(req, res, () -> errorBodies.refused(res, e));
        } catch (RuntimeException e) {
            refuse(req, res, () -> errorBodies.failed(res, e));
        }
    }

    /**
     * Sends a refusal. If the request body was not read to its end on HTTP/1.x, the answer says
     * {@code Connection: close} and the connection is closed after it: Helidon 4.5 would otherwise read
     * the rest of the body as the next request when the client sent {@code Connection: close} (and
     * answer it, e.g. 414). What the client is still sending is read and dropped first, up to
     * {@code server.max-payload-size}, so closing does not reset the connection under the answer.
     */
    private static void refuse(ServerRequest req, ServerResponse res, Runnable answer) {
        boolean unreadBody = !"2.0".equals(req.prologue().protocolVersion())
                && req.content().hasEntity() && !req.content().consumed();
        if (!unreadBody) {
            answer.run();
            return;
        }
        res.header(HeaderValues.CONNECTION_CLOSE);
        answer.run();
        try {
            req.content().consume();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "the rest of a refused request body could not be read", e);
        }
        throw new CloseConnectionException("the request body was refused before its end");
    }

    private void respond(RouteTable.Match match, ServerRequest req, ServerResponse res, String requestId) {
        HttpBinding binding = match.binding();
        if (binding.clientStreaming() && binding.serverStreaming()) {
            throw new RestRequestException(501, new FineHeroException.InvalidArgument("STREAMING_UNSUPPORTED",
                    binding.method().getName() + " streams both ways and is available over gRPC only", List.of()));
        }
        // the address pays for every call, and a body is read only for a caller allowed to send it
        Metadata headers = ForwardedHeaders.toMetadata(req);
        headers.removeAll(RequestContext.REQUEST_ID_HEADER);
        headers.put(RequestContext.REQUEST_ID_HEADER, requestId);
        gate.admitHttp(binding.definition().getMethodDescriptor(), headers, req.remotePeer().host(), req.content().hasEntity());
        RpcCall call = calls.open(binding, headers);
        if (binding.clientStreaming()) {
            streaming.clientStream(match, call, req, res);
            return;
        }
        Message request = codec.request(match, call.newRequest(), req);
        if (binding.serverStreaming()) {
            streaming.serverStream(binding, call, request, req, res);
        } else {
            unary.call(binding, call, request, req, res);
        }
    }

    /**
     * A WebSocket at {@code path} serving the server-streaming RPC {@code fullMethodName} (see
     * {@link StreamSockets}), with the same checks as its gRPC and Server-Sent Events faces.
     */
    public WsRouting.Builder webSocket(String path, String fullMethodName) {
        HttpBinding binding = routes.bindings().stream()
                .filter(b -> b.definition().getMethodDescriptor().getFullMethodName().equals(fullMethodName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(fullMethodName + " has no HTTP binding to serve over WebSocket"));
        StreamSockets endpoint = new StreamSockets(binding, calls, errorBodies, codec, gate, config.heartbeat(), config.streamLifetime());
        sockets.add(endpoint);
        return WsRouting.builder().endpoint(path, endpoint::newSocket);
    }

    @Override
    public void close() {
        sockets.forEach(StreamSockets::close);
        calls.close();
    }
}
