package com.finehero.server.platform.openapi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.finehero.server.platform.rest.HttpBinding;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

/**
 * The path and query parameters of one binding, following grpc-gateway's rules (which the REST bridge
 * follows): path variables fill the fields they name; with body {@code "*"} everything else comes from
 * the body; otherwise every field outside the path and the body may come from the query, nested
 * messages flattened with dots ({@code center.latitude}) and well-known types as one value.
 */
final class OperationParameters {

    private final SchemaCatalog schemas;
    private final ContractComments comments;

    OperationParameters(SchemaCatalog schemas, ContractComments comments) {
        this.schemas = schemas;
        this.comments = comments;
    }

    List<Map<String, Object>> of(HttpBinding binding) {
        List<Map<String, Object>> parameters = new ArrayList<>();
        Descriptor request = binding.method().getInputType();
        for (String variable : binding.path().variables()) {
            FieldDescriptor field = HttpBinding.requireField(request, variable, binding.method(), "path variable");
            Map<String, Object> parameter = parameter(variable, "path", field);
            parameter.put("required", true);
            parameter.put("schema", schemas.value(field));
            parameters.add(parameter);
        }
        if (!binding.body().equals("*") && !binding.clientStreaming()) {
            Set<String> taken = new HashSet<>(binding.path().variables());
            if (!binding.body().isEmpty()) {
                taken.add(binding.body());
            }
            addQuery(request, "", taken, new HashSet<>(), parameters);
        }
        return parameters;
    }

    /** Walks the request's fields; {@code enclosing} holds the messages on the current path (recursion guard). */
    private void addQuery(Descriptor type, String prefix, Set<String> taken, Set<String> enclosing,
                          List<Map<String, Object>> parameters) {
        enclosing.add(type.getFullName());
        for (FieldDescriptor field : type.getFields()) {
            String name = prefix + field.getName();
            if (taken.contains(name) || field.isMapField()) {
                continue; // grpc-gateway reads no maps from the query
            }
            boolean message = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
            if (message && !SchemaCatalog.isWellKnown(field.getMessageType())) {
                if (!field.isRepeated() && !enclosing.contains(field.getMessageType().getFullName())) {
                    addQuery(field.getMessageType(), name + ".", taken, enclosing, parameters);
                }
                continue;
            }
            Map<String, Object> parameter = parameter(name, "query", field);
            parameter.put("schema", schemas.field(field));
            if (field.isRepeated()) {
                // ?statuses=A&statuses=B
                parameter.put("style", "form");
                parameter.put("explode", true);
            }
            parameters.add(parameter);
        }
        enclosing.remove(type.getFullName());
    }

    private Map<String, Object> parameter(String name, String in, FieldDescriptor field) {
        Map<String, Object> parameter = new LinkedHashMap<>();
        parameter.put("name", name);
        parameter.put("in", in);
        String comment = comments.of(field);
        if (!comment.isEmpty()) {
            parameter.put("description", comment);
        }
        return parameter;
    }
}
