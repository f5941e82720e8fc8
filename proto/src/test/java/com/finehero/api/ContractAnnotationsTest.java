package com.finehero.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.finehero.api.auth.v1.AccessProto;
import com.finehero.api.auth.v1.AccessRule;
import com.finehero.api.auth.v1.Role;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.ExtensionRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build fails when an RPC lacks its REST route or its access rule: every face of FineHero (REST
 * bridge, RBAC, OpenAPI) is derived from these options, so a method without them would be half-served.
 * Reads the descriptor set the build writes from every .proto file, so new files are covered too.
 */
class ContractAnnotationsTest {

    static List<MethodDescriptorProto> methods(List<String> names) throws IOException {
        ExtensionRegistry registry = ExtensionRegistry.newInstance();
        AnnotationsProto.registerAllExtensions(registry);
        AccessProto.registerAllExtensions(registry);
        FileDescriptorSet set;
        try (InputStream in = ContractAnnotationsTest.class.getResourceAsStream("/finehero/contract.desc")) {
            assertThat(in).as("descriptor set written by the build").isNotNull();
            set = FileDescriptorSet.parseFrom(in, registry);
        }
        List<MethodDescriptorProto> methods = new ArrayList<>();
        for (FileDescriptorProto file : set.getFileList()) {
            for (ServiceDescriptorProto service : file.getServiceList()) {
                for (MethodDescriptorProto method : service.getMethodList()) {
                    methods.add(method);
                    names.add(file.getPackage() + "." + service.getName() + "/" + method.getName());
                }
            }
        }
        return methods;
    }

    @Test
    void everyRpcHasARestRouteAndAnAccessRule() throws IOException {
        List<String> names = new ArrayList<>();
        List<MethodDescriptorProto> methods = methods(names);
        assertThat(methods).as("RPCs in the contract").isNotEmpty();

        List<String> missing = new ArrayList<>();
        for (int i = 0; i < methods.size(); i++) {
            MethodDescriptorProto method = methods.get(i);
            if (!method.getOptions().hasExtension(AnnotationsProto.http)
                    || method.getOptions().getExtension(AnnotationsProto.http).getPatternCase() == HttpRule.PatternCase.PATTERN_NOT_SET) {
                missing.add(names.get(i) + ": no google.api.http route");
            }
            if (!method.getOptions().hasExtension(AccessProto.access)) {
                missing.add(names.get(i) + ": no (finehero.auth.v1.access) rule");
            } else {
                AccessRule rule = method.getOptions().getExtension(AccessProto.access);
                if (rule.getRolesCount() == 0 && !rule.getAllowAnonymous()) {
                    missing.add(names.get(i) + ": access rule allows nobody");
                }
                if (rule.getRolesList().contains(Role.ROLE_UNSPECIFIED)) {
                    missing.add(names.get(i) + ": access rule names ROLE_UNSPECIFIED");
                }
            }
        }
        assertThat(missing).as("RPCs missing contract options").isEmpty();
    }
}
