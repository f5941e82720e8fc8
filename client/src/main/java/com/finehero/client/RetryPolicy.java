package com.finehero.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.ExtensionRegistry;

/**
 * The client's gRPC service config, derived from the contract (the descriptor set in finehero-proto):
 * calls that only read (their HTTP verb is GET) are retried on UNAVAILABLE with exponential backoff,
 * since repeating them changes nothing. Calls that write are never retried here; PayFine's idempotency
 * key is how a caller repeats a payment safely.
 */
final class RetryPolicy {

    private RetryPolicy() {
    }

    static Map<String, Object> serviceConfig(int maxAttempts) {
        List<Map<String, Object>> names = new ArrayList<>();
        for (FileDescriptorProto file : contract().getFileList()) {
            for (ServiceDescriptorProto service : file.getServiceList()) {
                for (MethodDescriptorProto method : service.getMethodList()) {
                    HttpRule http = method.getOptions().getExtension(AnnotationsProto.http);
                    if (http.getPatternCase() == HttpRule.PatternCase.GET && !method.getServerStreaming()) {
                        names.add(Map.of("service", file.getPackage() + "." + service.getName(), "method", method.getName()));
                    }
                }
            }
        }
        Map<String, Object> retry = Map.of(
                "maxAttempts", (double) maxAttempts,
                "initialBackoff", "0.1s",
                "maxBackoff", "2s",
                "backoffMultiplier", 2.0,
                "retryableStatusCodes", List.of("UNAVAILABLE"));
        return Map.of("methodConfig", List.of(Map.of("name", names, "retryPolicy", retry)));
    }

    private static FileDescriptorSet contract() {
        ExtensionRegistry registry = ExtensionRegistry.newInstance();
        registry.add(AnnotationsProto.http);
        try (InputStream in = RetryPolicy.class.getResourceAsStream("/finehero/contract.desc")) {
            if (in == null) {
                throw new IllegalStateException("/finehero/contract.desc is missing: finehero-proto is not on the classpath");
            }
            return FileDescriptorSet.parseFrom(in, registry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
