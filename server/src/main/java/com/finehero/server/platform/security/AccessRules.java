package com.finehero.server.platform.security;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.api.auth.v1.AccessProto;
import com.finehero.api.auth.v1.AccessRule;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;

/**
 * Who may call each RPC, read from the contract: the {@code (finehero.auth.v1.access)} option of the
 * method's descriptor, which every generated stub carries. Also whether a call changes state (its
 * {@code google.api.http} verb is not GET), which the audit log uses. A method without a rule is
 * refused to everyone; the contract test makes sure there is none.
 */
public final class AccessRules {

    /** One method's rule as enforced. */
    public record Rule(String method, AccessRule access, boolean changesState) { }

    private final Map<String, Optional<Rule>> byMethod = new ConcurrentHashMap<>();

    public Optional<Rule> rule(MethodDescriptor<?, ?> method) {
        return byMethod.computeIfAbsent(method.getFullMethodName(), name -> read(method));
    }

    private static Optional<Rule> read(MethodDescriptor<?, ?> method) {
        if (!(method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier supplier)) {
            return Optional.empty();
        }
        return of(method.getFullMethodName(), supplier.getMethodDescriptor());
    }

    /** The rule the contract gives {@code method}, if any. */
    public static Optional<Rule> of(String fullMethodName, Descriptors.MethodDescriptor method) {
        if (!method.getOptions().hasExtension(AccessProto.access)) {
            return Optional.empty();
        }
        HttpRule http = method.getOptions().getExtension(AnnotationsProto.http);
        boolean reads = http.getPatternCase() == HttpRule.PatternCase.GET;
        return Optional.of(new Rule(fullMethodName, method.getOptions().getExtension(AccessProto.access), !reads));
    }
}
