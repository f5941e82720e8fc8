package com.finehero.client;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every service of the contract has a blocking and a future accessor on {@link FineHeroClient}. */
class ClientAccessorsTest {

    @Test
    void everyServiceInTheContractHasBlockingAndFutureAccessors() throws Exception {
        FileDescriptorSet contract;
        try (InputStream in = getClass().getResourceAsStream("/finehero/contract.desc")) {
            contract = FileDescriptorSet.parseFrom(in);
        }
        List<String> services = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (FileDescriptorProto file : contract.getFileList()) {
            for (ServiceDescriptorProto service : file.getServiceList()) {
                String stub = file.getOptions().getJavaPackage() + "." + service.getName() + "Grpc";
                services.add(service.getName());
                for (String kind : List.of("BlockingStub", "FutureStub")) {
                    String type = stub + "$" + service.getName() + kind;
                    if (!hasAccessor(type)) {
                        missing.add(service.getName() + " has no FineHeroClient method returning " + type.replace('$', '.'));
                    }
                }
            }
        }
        assertFalse(services.isEmpty(), "the contract lists services");
        assertEquals(List.of(), missing);
        assertEquals(List.of(), List.of("io.grpc.health.v1.HealthGrpc$HealthBlockingStub", "io.grpc.health.v1.HealthGrpc$HealthFutureStub")
                .stream().filter(type -> !hasAccessor(type)).toList(), "health accessors");
    }

    private static boolean hasAccessor(String type) {
        return Arrays.stream(FineHeroClient.class.getMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 0)
                .map(Method::getReturnType).anyMatch(returned -> returned.getName().equals(type));
    }
}
