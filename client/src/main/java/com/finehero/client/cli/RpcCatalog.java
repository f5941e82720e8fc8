package com.finehero.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;

/**
 * Every RPC of the contract, found from the descriptor set finehero-proto ships
 * ({@code /finehero/contract.desc}) and the stubs generated next to it: a service added to the
 * .proto files appears here without a change to the client.
 */
final class RpcCatalog {

    static final String CONTRACT = "/finehero/contract.desc";

    /**
     * One RPC: its schema (field names, types), the gRPC method to call it with and the contract's
     * comments on the RPC and on its request's fields (by field name).
     */
    record Rpc(Descriptors.MethodDescriptor schema, MethodDescriptor<?, ?> method, String comment,
               java.util.Map<String, String> fieldComments) {
        /** e.g. update-fine */
        String command() {
            return kebab(schema.getName());
        }

        /** e.g. fines for FinesService */
        String group() {
            return group(schema.getService());
        }

        static String group(Descriptors.ServiceDescriptor service) {
            String name = service.getName();
            return kebab(name.endsWith("Service") && name.length() > "Service".length()
                    ? name.substring(0, name.length() - "Service".length()) : name);
        }
    }

    private RpcCatalog() {
    }

    /** The services of the contract, in the order of its files. */
    static List<Descriptors.ServiceDescriptor> services() {
        List<Descriptors.ServiceDescriptor> services = new ArrayList<>();
        for (FileDescriptorProto file : contract().getFileList()) {
            for (ServiceDescriptorProto service : file.getServiceList()) {
                services.add(generated(file, service));
            }
        }
        return services;
    }

    static List<Rpc> rpcs() {
        java.util.Map<String, String> comments = comments();
        List<Rpc> rpcs = new ArrayList<>();
        for (Descriptors.ServiceDescriptor service : services()) {
            io.grpc.ServiceDescriptor grpc = grpcService(service);
            for (Descriptors.MethodDescriptor method : service.getMethods()) {
                MethodDescriptor<?, ?> call = grpc.getMethods().stream()
                        .filter(m -> m.getFullMethodName().equals(service.getFullName() + "/" + method.getName()))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no generated stub method for " + method.getFullName()));
                java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
                for (Descriptors.FieldDescriptor field : method.getInputType().getFields()) {
                    fields.put(field.getName(), comments.getOrDefault(field.getFullName(), ""));
                }
                rpcs.add(new Rpc(method, call, comments.getOrDefault(method.getFullName(), ""), fields));
            }
        }
        return rpcs;
    }

    /** UpdateFine → update-fine, GetMe → get-me */
    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replaceAll("([A-Z])([A-Z][a-z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** Leading comments of methods and of top-level messages' fields, by full name. */
    private static java.util.Map<String, String> comments() {
        java.util.Map<String, String> comments = new java.util.HashMap<>();
        for (FileDescriptorProto file : contract().getFileList()) {
            String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
            for (var location : file.getSourceCodeInfo().getLocationList()) {
                String text = location.getLeadingComments().strip().replaceAll("\\s*\\n\\s*", " ");
                if (text.isEmpty() || location.getPathCount() != 4 || location.getPath(2) != 2) {
                    continue;
                }
                if (location.getPath(0) == FileDescriptorProto.SERVICE_FIELD_NUMBER) {
                    ServiceDescriptorProto service = file.getService(location.getPath(1));
                    comments.put(prefix + service.getName() + "." + service.getMethod(location.getPath(3)).getName(), text);
                } else if (location.getPath(0) == FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER) {
                    var message = file.getMessageType(location.getPath(1));
                    comments.put(prefix + message.getName() + "." + message.getField(location.getPath(3)).getName(), text);
                }
            }
        }
        return comments;
    }

    private static Descriptors.ServiceDescriptor generated(FileDescriptorProto file, ServiceDescriptorProto service) {
        io.grpc.ServiceDescriptor grpc = grpcService(file.getOptions().getJavaPackage(), service.getName());
        if (!(grpc.getSchemaDescriptor() instanceof ProtoServiceDescriptorSupplier schema)) {
            throw new IllegalStateException(service.getName() + " has no protobuf schema in its generated stub");
        }
        return schema.getServiceDescriptor();
    }

    private static io.grpc.ServiceDescriptor grpcService(Descriptors.ServiceDescriptor service) {
        return grpcService(service.getFile().getOptions().getJavaPackage(), service.getName());
    }

    private static io.grpc.ServiceDescriptor grpcService(String javaPackage, String serviceName) {
        String stub = (javaPackage.isEmpty() ? "" : javaPackage + ".") + serviceName + "Grpc";
        try {
            return (io.grpc.ServiceDescriptor) Class.forName(stub).getMethod("getServiceDescriptor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the contract's " + serviceName + " has no generated stub " + stub, e);
        }
    }

    private static FileDescriptorSet contract() {
        try (InputStream in = RpcCatalog.class.getResourceAsStream(CONTRACT)) {
            if (in == null) {
                throw new IllegalStateException(CONTRACT + " is missing: finehero-proto is not on the classpath");
            }
            return FileDescriptorSet.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
