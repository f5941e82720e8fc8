package com.finehero.server.platform.rpc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.Descriptors;
import io.grpc.Status;
import io.grpc.reflection.v1.ErrorResponse;
import io.grpc.reflection.v1.ExtensionNumberResponse;
import io.grpc.reflection.v1.FileDescriptorResponse;
import io.grpc.reflection.v1.ListServiceResponse;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;

/**
 * gRPC server reflection (v1) over the services this server registers, each listed once. Helidon
 * 4.5's reflection feature lists a service once per method; grpc-services' own implementation needs
 * a grpc-java {@code Server} to read its services from, which Helidon does not have. The files, their
 * dependencies and their symbols are indexed once, at start.
 */
final class ReflectionService extends ServerReflectionGrpc.ServerReflectionImplBase {

    private final List<String> services;
    private final Map<String, Descriptors.FileDescriptor> filesByName = new LinkedHashMap<>();
    private final Map<String, Descriptors.FileDescriptor> filesBySymbol = new LinkedHashMap<>();
    private final Map<String, Map<Integer, Descriptors.FileDescriptor>> extensions = new LinkedHashMap<>();

    /** @param served every service this server serves, with the file that declares it */
    ReflectionService(Map<String, Descriptors.FileDescriptor> served) {
        this.services = List.copyOf(new LinkedHashSet<>(served.keySet()));
        Deque<Descriptors.FileDescriptor> todo = new ArrayDeque<>(served.values());
        while (!todo.isEmpty()) {
            Descriptors.FileDescriptor file = todo.pop();
            if (filesByName.putIfAbsent(file.getName(), file) != null) {
                continue;
            }
            index(file);
            todo.addAll(file.getDependencies());
        }
    }

    private void index(Descriptors.FileDescriptor file) {
        for (Descriptors.ServiceDescriptor service : file.getServices()) {
            filesBySymbol.putIfAbsent(service.getFullName(), file);
            service.getMethods().forEach(m -> filesBySymbol.putIfAbsent(m.getFullName(), file));
        }
        file.getMessageTypes().forEach(m -> indexMessage(m, file));
        file.getEnumTypes().forEach(e -> filesBySymbol.putIfAbsent(e.getFullName(), file));
        file.getExtensions().forEach(x -> indexExtension(x, file));
    }

    private void indexMessage(Descriptors.Descriptor message, Descriptors.FileDescriptor file) {
        filesBySymbol.putIfAbsent(message.getFullName(), file);
        message.getNestedTypes().forEach(m -> indexMessage(m, file));
        message.getEnumTypes().forEach(e -> filesBySymbol.putIfAbsent(e.getFullName(), file));
        message.getExtensions().forEach(x -> indexExtension(x, file));
    }

    private void indexExtension(Descriptors.FieldDescriptor extension, Descriptors.FileDescriptor file) {
        filesBySymbol.putIfAbsent(extension.getFullName(), file);
        extensions.computeIfAbsent(extension.getContainingType().getFullName(), t -> new LinkedHashMap<>())
                .putIfAbsent(extension.getNumber(), file);
    }

    @Override
    public StreamObserver<ServerReflectionRequest> serverReflectionInfo(StreamObserver<ServerReflectionResponse> responses) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionRequest request) {
                responses.onNext(answer(request).setOriginalRequest(request).setValidHost(request.getHost()).build());
            }

            @Override
            public void onError(Throwable t) {
                // the client went away; nothing to answer
            }

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }

    private ServerReflectionResponse.Builder answer(ServerReflectionRequest request) {
        ServerReflectionResponse.Builder response = ServerReflectionResponse.newBuilder();
        return switch (request.getMessageRequestCase()) {
            case LIST_SERVICES -> {
                ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
                services.forEach(name -> list.addService(ServiceResponse.newBuilder().setName(name)));
                yield response.setListServicesResponse(list);
            }
            case FILE_BY_FILENAME -> file(response, filesByName.get(request.getFileByFilename()),
                    "file " + request.getFileByFilename());
            case FILE_CONTAINING_SYMBOL -> file(response, filesBySymbol.get(request.getFileContainingSymbol()),
                    "symbol " + request.getFileContainingSymbol());
            case FILE_CONTAINING_EXTENSION -> {
                String type = request.getFileContainingExtension().getContainingType();
                int number = request.getFileContainingExtension().getExtensionNumber();
                yield file(response, extensions.getOrDefault(type, Map.of()).get(number), "extension " + number + " of " + type);
            }
            case ALL_EXTENSION_NUMBERS_OF_TYPE -> {
                String type = request.getAllExtensionNumbersOfType();
                if (!filesBySymbol.containsKey(type)) {
                    yield error(response, Status.Code.NOT_FOUND, "type " + type + " is not known to this server");
                }
                yield response.setAllExtensionNumbersResponse(ExtensionNumberResponse.newBuilder().setBaseTypeName(type)
                        .addAllExtensionNumber(extensions.getOrDefault(type, Map.of()).keySet()));
            }
            default -> error(response, Status.Code.UNIMPLEMENTED, "reflection request " + request.getMessageRequestCase()
                    + " is not supported (expected: list_services, file_by_filename, file_containing_symbol, "
                    + "file_containing_extension or all_extension_numbers_of_type)");
        };
    }

    /** The file and every file it depends on, as grpc-java's reflection answers. */
    private ServerReflectionResponse.Builder file(ServerReflectionResponse.Builder response, Descriptors.FileDescriptor file,
                                                  String what) {
        if (file == null) {
            return error(response, Status.Code.NOT_FOUND, what + " is not known to this server");
        }
        FileDescriptorResponse.Builder files = FileDescriptorResponse.newBuilder();
        Set<String> seen = new LinkedHashSet<>();
        List<Descriptors.FileDescriptor> order = new ArrayList<>();
        Deque<Descriptors.FileDescriptor> todo = new ArrayDeque<>(List.of(file));
        while (!todo.isEmpty()) {
            Descriptors.FileDescriptor next = todo.pop();
            if (seen.add(next.getName())) {
                order.add(next);
                todo.addAll(next.getDependencies());
            }
        }
        order.forEach(f -> files.addFileDescriptorProto(f.toProto().toByteString()));
        return response.setFileDescriptorResponse(files);
    }

    private static ServerReflectionResponse.Builder error(ServerReflectionResponse.Builder response, Status.Code code, String message) {
        return response.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(code.value()).setErrorMessage(message));
    }
}
