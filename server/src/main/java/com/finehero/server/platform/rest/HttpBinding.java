package com.finehero.server.platform.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import com.finehero.api.auth.v1.AccessProto;
import com.finehero.api.auth.v1.AccessRule;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import io.grpc.ServerMethodDefinition;

/**
 * One REST route of one RPC, read from its {@code google.api.http} option (each additional binding is
 * a binding of its own). The bridge serves these and the OpenAPI document describes them; nothing
 * about a route is written anywhere else.
 *
 * @param httpMethod   GET, POST, PUT, PATCH or DELETE
 * @param body         "" (no body), "*" (the whole request) or the request field the body fills
 * @param responseBody "" (the whole response) or the response field to return
 */
public record HttpBinding(String httpMethod, PathTemplate path, String body, String responseBody,
                          Descriptors.MethodDescriptor method, ServerMethodDefinition<?, ?> definition,
                          AccessRule access) {

    public HttpBinding {
        Objects.requireNonNull(httpMethod, "httpMethod");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(responseBody, "responseBody");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(access, "access");
    }

    /** Every binding of every service in the pipeline. */
    public static List<HttpBinding> of(RpcPipeline pipeline) {
        List<HttpBinding> bindings = new ArrayList<>();
        for (RpcPipeline.Registered registered : pipeline.services()) {
            Descriptors.ServiceDescriptor service = registered.service();
            for (Descriptors.MethodDescriptor method : service.getMethods()) {
                ServerMethodDefinition<?, ?> definition = registered.definition()
                        .getMethod(service.getFullName() + "/" + method.getName());
                if (definition == null || !method.getOptions().hasExtension(AnnotationsProto.http)) {
                    continue;
                }
                AccessRule access = method.getOptions().getExtension(AccessProto.access);
                HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
                bindings.add(from(rule, method, definition, access));
                for (HttpRule additional : rule.getAdditionalBindingsList()) {
                    bindings.add(from(additional, method, definition, access));
                }
            }
        }
        return List.copyOf(bindings);
    }

    /** The HTTP method and path template of one rule. */
    public record Route(String httpMethod, String template) {
        public static Route of(HttpRule rule) {
            return switch (rule.getPatternCase()) {
                case GET -> new Route("GET", rule.getGet());
                case POST -> new Route("POST", rule.getPost());
                case PUT -> new Route("PUT", rule.getPut());
                case PATCH -> new Route("PATCH", rule.getPatch());
                case DELETE -> new Route("DELETE", rule.getDelete());
                case CUSTOM -> new Route(rule.getCustom().getKind().toUpperCase(Locale.ROOT), rule.getCustom().getPath());
                case PATTERN_NOT_SET -> throw new IllegalStateException("an HTTP rule without a pattern");
            };
        }
    }

    private static HttpBinding from(HttpRule rule, Descriptors.MethodDescriptor method,
                                    ServerMethodDefinition<?, ?> definition, AccessRule access) {
        if (rule.getPatternCase() == HttpRule.PatternCase.PATTERN_NOT_SET) {
            throw new IllegalStateException(method.getFullName() + " has an HTTP rule without a pattern");
        }
        Route route = Route.of(rule);
        String verb = route.httpMethod();
        PathTemplate path = PathTemplate.parse(route.template());
        for (String variable : path.variables()) {
            requireField(method.getInputType(), variable, method, "path variable");
        }
        if (!rule.getBody().isEmpty() && !rule.getBody().equals("*")) {
            requireField(method.getInputType(), rule.getBody(), method, "body");
        }
        if (!rule.getResponseBody().isEmpty()) {
            requireField(method.getOutputType(), rule.getResponseBody(), method, "response_body");
        }
        return new HttpBinding(verb, path, rule.getBody(), rule.getResponseBody(), method, definition, access);
    }

    /** The field a dotted path names, from {@code type}; fails at start-up on a typo in the contract. */
    public static Descriptors.FieldDescriptor requireField(Descriptors.Descriptor type, String fieldPath,
                                                           Descriptors.MethodDescriptor method, String role) {
        Descriptors.Descriptor current = type;
        Descriptors.FieldDescriptor field = null;
        for (String name : fieldPath.split("\\.")) {
            if (current == null) {
                throw new IllegalStateException(method.getFullName() + ": " + role + " '" + fieldPath + "' goes through a non-message field");
            }
            field = current.findFieldByName(name);
            if (field == null) {
                throw new IllegalStateException(method.getFullName() + ": " + role + " '" + fieldPath + "' is not a field of " + type.getFullName());
            }
            current = field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE ? field.getMessageType() : null;
        }
        return field;
    }

    public boolean serverStreaming() {
        return method.isServerStreaming();
    }

    public boolean clientStreaming() {
        return method.isClientStreaming();
    }

    @Override
    public String toString() {
        return httpMethod + " " + path + " -> " + method.getFullName();
    }
}
