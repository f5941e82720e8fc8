package com.finehero.server.testing;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rest.PathTemplate;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * Turns a request message into the HTTP request its contract's HTTP rule describes (path variables,
 * body, the rest as query parameters), the way a REST client following the contract would. Lets one
 * table of request messages drive both protocols.
 */
public final class RestCalls {

    private RestCalls() {
    }

    public static HttpRequest toHttp(URI base, Descriptors.MethodDescriptor method, Message request) {
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        HttpBinding.Route route = HttpBinding.Route.of(rule);
        String verb = route.httpMethod();
        String template = route.template();
        JsonObject json = toJson(request);
        PathTemplate path = PathTemplate.parse(template);
        StringBuilder uri = new StringBuilder();
        String lastVariable = null;
        for (PathTemplate.Segment segment : path.segments()) {
            if (segment.variable() != null) {
                if (!segment.variable().equals(lastVariable)) {
                    JsonElement value = take(json, segment.variable());
                    uri.append('/').append(value == null ? "" : URLEncoder.encode(value.getAsString(), StandardCharsets.UTF_8));
                }
                lastVariable = segment.variable();
            } else {
                uri.append('/').append(segment.literal());
                lastVariable = null;
            }
        }
        if (!path.verb().isEmpty()) {
            uri.append(':').append(path.verb());
        }
        String body = null;
        if (rule.getBody().equals("*")) {
            body = json.toString();
            json = new JsonObject();
        } else if (!rule.getBody().isEmpty()) {
            String jsonName = method.getInputType().findFieldByName(rule.getBody()).getJsonName();
            JsonElement value = json.remove(jsonName);
            body = value == null ? "{}" : value.toString();
        }
        List<String> query = new ArrayList<>();
        flatten("", json, query);
        String full = uri + (query.isEmpty() ? "" : "?" + String.join("&", query));
        HttpRequest.Builder http = HttpRequest.newBuilder(base.resolve(full));
        if (body != null) {
            http.header("Content-Type", "application/json");
        }
        return http.method(verb, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Parses a successful REST response into the RPC's response type. */
    public static <T extends Message> T parse(HttpResponse<String> response, T prototype) {
        try {
            Message.Builder builder = prototype.newBuilderForType();
            JsonFormat.parser().merge(response.body(), builder);
            @SuppressWarnings("unchecked")
            T message = (T) builder.build();
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a " + prototype.getDescriptorForType().getFullName() + ": " + response.body(), e);
        }
    }

    /** The google.rpc.Status code of an error response. */
    public static int statusCode(HttpResponse<String> response) {
        return JsonParser.parseString(response.body()).getAsJsonObject().get("code").getAsInt();
    }

    private static JsonObject toJson(Message request) {
        try {
            return JsonParser.parseString(JsonFormat.printer().preservingProtoFieldNames().print(request)).getAsJsonObject();
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonElement take(JsonObject json, String fieldPath) {
        String[] names = fieldPath.split("\\.");
        JsonObject node = json;
        for (int i = 0; i < names.length - 1; i++) {
            JsonElement child = node.get(names[i]);
            if (child == null) {
                return null;
            }
            node = child.getAsJsonObject();
        }
        return node.remove(names[names.length - 1]);
    }

    private static void flatten(String prefix, JsonObject json, List<String> query) {
        for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
            String key = prefix + entry.getKey();
            JsonElement value = entry.getValue();
            if (value.isJsonObject()) {
                flatten(key + ".", value.getAsJsonObject(), query);
            } else if (value.isJsonArray()) {
                value.getAsJsonArray().forEach(v -> query.add(key + "=" + URLEncoder.encode(v.getAsString(), StandardCharsets.UTF_8)));
            } else {
                query.add(key + "=" + URLEncoder.encode(value.getAsString(), StandardCharsets.UTF_8));
            }
        }
    }
}
