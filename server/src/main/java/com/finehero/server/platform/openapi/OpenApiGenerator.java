package com.finehero.server.platform.openapi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.finehero.api.auth.v1.AccessRule;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rest.PathTemplate;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;

/**
 * Describes the REST bindings as an OpenAPI 3.1 document (a tree of maps and lists, ready for JSON or
 * YAML). Everything comes from the contract: routes and roles from the options, types from the
 * descriptors, texts from the .proto comments, so the document cannot drift from what is served.
 */
final class OpenApiGenerator {

    static final String TITLE = "FineHero API";
    /** The contract's package version: every FineHero API lives in finehero.*.v1. */
    static final String API_VERSION = "v1";

    private static final String JSON = "application/json";
    private static final String NDJSON = "application/x-ndjson";
    private static final String EVENT_STREAM = "text/event-stream";

    /** The HTTP statuses the bridge answers errors with (gRPC codes mapped as grpc-gateway maps them). */
    private static final Map<String, String> ERRORS = errors();

    private final ContractComments comments;

    OpenApiGenerator(ContractComments comments) {
        this.comments = Objects.requireNonNull(comments, "comments");
    }

    Map<String, Object> generate(List<HttpBinding> bindings) {
        SchemaCatalog schemas = new SchemaCatalog(comments);
        OperationParameters parameters = new OperationParameters(schemas, comments);
        Map<String, Map<String, Object>> paths = new TreeMap<>();
        Map<String, Integer> bindingsPerMethod = new HashMap<>();
        List<Map<String, Object>> tags = new ArrayList<>();
        for (HttpBinding binding : bindings) {
            MethodDescriptor method = binding.method();
            int nth = bindingsPerMethod.merge(method.getFullName(), 1, Integer::sum);
            // grpc-gateway's convention; additional bindings of one RPC count up: FinesService_GetFine2
            String operationId = method.getService().getName() + "_" + method.getName() + (nth == 1 ? "" : nth);
            Map<String, Object> item = paths.computeIfAbsent(openApiPath(binding.path()), p -> new LinkedHashMap<>());
            String httpMethod = binding.httpMethod().toLowerCase(Locale.ROOT);
            if (item.containsKey(httpMethod)) {
                throw new IllegalStateException("two REST bindings share " + binding.httpMethod() + " " + binding.path()
                        + "; the second is " + method.getFullName());
            }
            item.put(httpMethod, operation(binding, operationId, schemas, parameters));
            addTag(tags, method);
        }

        Map<String, Object> document = new LinkedHashMap<>();
        document.put("openapi", "3.1.0");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("title", TITLE);
        info.put("version", API_VERSION);
        info.put("description", "Generated from the FineHero Protobuf contract. Every operation is also a gRPC "
                + "method of the same name; JSON follows the proto3 JSON mapping (lowerCamelCase names, "
                + "64-bit integers as strings, enums by name).");
        document.put("info", info);
        document.put("tags", tags);
        document.put("paths", new LinkedHashMap<>(paths));
        Map<String, Object> components = new LinkedHashMap<>();
        schemas.status();
        components.put("schemas", schemas.schemas());
        components.put("responses", errorResponses(schemas));
        components.put("securitySchemes", securitySchemes());
        document.put("components", components);
        return document;
    }

    /** {@code /v1/{name=shelves/*}/books:list} becomes {@code /v1/{name}/books:list}; OpenAPI has no patterns. */
    static String openApiPath(PathTemplate template) {
        StringBuilder path = new StringBuilder();
        String previous = null;
        for (PathTemplate.Segment segment : template.segments()) {
            if (segment.variable() != null) {
                if (!segment.variable().equals(previous)) {
                    path.append("/{").append(segment.variable()).append('}');
                }
            } else {
                // an unnamed "*" stays literal: the bridge's "*" also matches a literal "*"
                path.append('/').append(segment.kind() == PathTemplate.Segment.Kind.LITERAL ? segment.literal()
                        : segment.kind() == PathTemplate.Segment.Kind.SINGLE ? "*" : "**");
            }
            previous = segment.variable();
        }
        if (path.isEmpty()) {
            path.append('/');
        }
        if (!template.verb().isEmpty()) {
            path.append(':').append(template.verb());
        }
        return path.toString();
    }

    private Map<String, Object> operation(HttpBinding binding, String operationId, SchemaCatalog schemas,
                                          OperationParameters parameters) {
        MethodDescriptor method = binding.method();
        Map<String, Object> operation = new LinkedHashMap<>();
        operation.put("tags", List.of(method.getService().getName()));
        String comment = comments.of(method);
        if (!comment.isEmpty()) {
            operation.put("summary", firstSentence(comment));
            operation.put("description", comment);
        }
        operation.put("operationId", operationId);
        List<Map<String, Object>> params = parameters.of(binding);
        if (!params.isEmpty()) {
            operation.put("parameters", params);
        }
        if (!binding.body().isEmpty() || binding.clientStreaming()) {
            operation.put("requestBody", requestBody(binding, schemas));
        }
        operation.put("responses", responses(binding, schemas));
        operation.put("security", security(binding.access()));
        operation.put("x-finehero-roles", binding.access().getRolesList().stream().map(OpenApiGenerator::roleName).toList());
        return operation;
    }

    private Map<String, Object> requestBody(HttpBinding binding, SchemaCatalog schemas) {
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Object> schema = requestBodySchema(binding, schemas);
        if (binding.clientStreaming()) {
            body.put("description", "A stream of requests: one JSON object per line.");
            body.put("content", Map.of(NDJSON, Map.of("schema", schema)));
        } else {
            if (!binding.path().variables().isEmpty()) {
                body.put("description", "The path sets " + String.join(", ", binding.path().variables())
                        + "; a value for it in the body is overridden.");
            }
            body.put("content", Map.of(JSON, Map.of("schema", schema)));
        }
        body.put("required", true);
        return body;
    }

    /**
     * Body "*" is the request without its path fields: written inline when the path binds top-level
     * fields only, else the whole request (path values win). Body "field" is that field's schema.
     */
    private Map<String, Object> requestBodySchema(HttpBinding binding, SchemaCatalog schemas) {
        Descriptor request = binding.method().getInputType();
        if (!binding.body().isEmpty() && !binding.body().equals("*")) {
            FieldDescriptor field = HttpBinding.requireField(request, binding.body(), binding.method(), "body");
            return schemas.field(field);
        }
        List<String> variables = binding.path().variables();
        if (variables.isEmpty() || variables.stream().anyMatch(v -> v.contains("."))) {
            return schemas.message(request);
        }
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        SchemaCatalog.describe(schema, comments.of(request));
        schema.put("properties", schemas.properties(request, Set.copyOf(variables)));
        return schema;
    }

    private Map<String, Object> responses(HttpBinding binding, SchemaCatalog schemas) {
        Descriptor response = binding.method().getOutputType();
        Map<String, Object> schema = binding.responseBody().isEmpty()
                ? schemas.message(response)
                : schemas.field(HttpBinding.requireField(response, binding.responseBody(), binding.method(), "response_body"));
        Map<String, Object> ok = new LinkedHashMap<>();
        if (binding.serverStreaming()) {
            ok.put("description", "A stream of responses: each server-sent event, or each line of NDJSON, is one message.");
            Map<String, Object> content = new LinkedHashMap<>();
            content.put(EVENT_STREAM, Map.of("schema", schema));
            content.put(NDJSON, Map.of("schema", new LinkedHashMap<>(schema)));
            ok.put("content", content);
        } else {
            ok.put("description", "OK");
            ok.put("content", Map.of(JSON, Map.of("schema", schema)));
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        responses.put("200", ok);
        for (String status : ERRORS.keySet()) {
            responses.put(status, Map.of("$ref", "#/components/responses/" + responseName(status)));
        }
        return responses;
    }

    private static Map<String, Object> errorResponses(SchemaCatalog schemas) {
        Map<String, Object> responses = new LinkedHashMap<>();
        ERRORS.forEach((status, description) -> {
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("description", description);
            response.put("content", Map.of(JSON, Map.of("schema", schemas.status())));
            responses.put(responseName(status), response);
        });
        return responses;
    }

    private static String responseName(String status) {
        return status.equals("default") ? "Error" : "Error" + status;
    }

    private static Map<String, String> errors() {
        Map<String, String> errors = new LinkedHashMap<>();
        errors.put("400", "INVALID_ARGUMENT (BadRequest details name each broken field), FAILED_PRECONDITION "
                + "(the resource's state forbids the call) or OUT_OF_RANGE.");
        errors.put("401", "UNAUTHENTICATED: credentials are missing or invalid.");
        errors.put("403", "PERMISSION_DENIED: the caller's roles do not allow this call.");
        errors.put("404", "NOT_FOUND.");
        errors.put("409", "ALREADY_EXISTS, or ABORTED (e.g. a stale version: read again and retry).");
        errors.put("429", "RESOURCE_EXHAUSTED: rate limited; RetryInfo says when to retry.");
        errors.put("500", "INTERNAL (the message carries an error id to quote), UNKNOWN or DATA_LOSS.");
        errors.put("503", "UNAVAILABLE: a dependency is down or the server is draining; retry later.");
        errors.put("default", "Any other error, as a google.rpc.Status.");
        return errors;
    }

    /** Anonymous callers may omit credentials ({} in the list); everybody else sends a JWT or an API key. */
    private static List<Map<String, Object>> security(AccessRule access) {
        List<Map<String, Object>> security = new ArrayList<>();
        if (access.getAllowAnonymous()) {
            security.add(Map.of());
        }
        security.add(Map.of("bearerAuth", List.of()));
        security.add(Map.of("apiKey", List.of()));
        return security;
    }

    private static Map<String, Object> securitySchemes() {
        Map<String, Object> bearer = new LinkedHashMap<>();
        bearer.put("type", "http");
        bearer.put("scheme", "bearer");
        bearer.put("bearerFormat", "JWT");
        Map<String, Object> apiKey = new LinkedHashMap<>();
        apiKey.put("type", "apiKey");
        apiKey.put("in", "header");
        apiKey.put("name", "x-api-key");
        Map<String, Object> schemes = new LinkedHashMap<>();
        schemes.put("bearerAuth", bearer);
        schemes.put("apiKey", apiKey);
        return schemes;
    }

    /** ROLE_API_USER is "api_user": the name a reader of the document would use. */
    static String roleName(Role role) {
        return role.name().replaceFirst("^ROLE_", "").toLowerCase(Locale.ROOT);
    }

    private void addTag(List<Map<String, Object>> tags, MethodDescriptor method) {
        String name = method.getService().getName();
        if (tags.stream().noneMatch(tag -> tag.get("name").equals(name))) {
            Map<String, Object> tag = new LinkedHashMap<>();
            tag.put("name", name);
            String comment = comments.of(method.getService());
            if (!comment.isEmpty()) {
                tag.put("description", comment);
            }
            tags.add(tag);
        }
    }

    private static String firstSentence(String comment) {
        String flat = comment.lines().collect(Collectors.joining(" "));
        int end = flat.indexOf(". ");
        return end < 0 ? flat : flat.substring(0, end + 1);
    }
}
