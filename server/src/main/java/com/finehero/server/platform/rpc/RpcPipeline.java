package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import com.google.protobuf.Descriptors;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;

/**
 * The services and the interceptors every call goes through, bound once. Helidon's gRPC routing
 * serves these definitions, and the REST bridge calls the very same ones in-process, so a call on
 * either protocol meets the same errors, validation, access checks and metrics.
 */
public final class RpcPipeline {

    /** A service with the file that declares it (reflection and the REST bridge need it). */
    public record Registered(Descriptors.FileDescriptor file, ServerServiceDefinition definition) {
        public Registered {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(definition, "definition");
        }

        /** Adapts the bound definition to Helidon's routing, which wants a BindableService. */
        public BindableService bindable() {
            return () -> definition;
        }

        public Descriptors.ServiceDescriptor service() {
            String name = definition.getServiceDescriptor().getName();
            return file.getServices().stream().filter(s -> s.getFullName().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException(name + " is not declared in " + file.getName()));
        }
    }

    private final List<Registered> services;

    private RpcPipeline(List<Registered> services) {
        this.services = List.copyOf(services);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Registered> services() {
        return services;
    }

    /**
     * A service served beside the pipeline (gRPC health, reflection): none of FineHero's access checks,
     * but a request that does not parse is still answered INVALID_ARGUMENT by {@code errors}.
     */
    static Registered beside(Descriptors.FileDescriptor file, BindableService service, ErrorInterceptor errors) {
        return new Registered(file, tolerant(ServerInterceptors.intercept(service, errors)));
    }

    /** The same service with every request marshaller wrapped in a {@link TolerantMarshaller}. */
    private static ServerServiceDefinition tolerant(ServerServiceDefinition definition) {
        io.grpc.ServiceDescriptor original = definition.getServiceDescriptor();
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        io.grpc.ServiceDescriptor.Builder descriptor = io.grpc.ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
            ServerMethodDefinition<?, ?> wrapped = wrap(method);
            methods.add(wrapped);
            descriptor.addMethod(wrapped.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder rebuilt = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(rebuilt::addMethod);
        return rebuilt.build();
    }

    private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> wrap(ServerMethodDefinition<ReqT, RespT> method) {
        MethodDescriptor<ReqT, RespT> descriptor = method.getMethodDescriptor();
        String typeName = descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<ReqT> p
                && p.getMessagePrototype() instanceof com.google.protobuf.Message m
                ? m.getDescriptorForType().getFullName() : descriptor.getFullMethodName() + " request";
        MethodDescriptor<ReqT, RespT> tolerant = descriptor.toBuilder()
                .setRequestMarshaller(new TolerantMarshaller<>(descriptor.getRequestMarshaller(), typeName))
                .build();
        return ServerMethodDefinition.create(tolerant, method.getServerCallHandler());
    }

    public static final class Builder {
        private final List<ServerInterceptor> outermostFirst = new ArrayList<>();
        private final List<ServiceSpec> specs = new ArrayList<>();

        private record ServiceSpec(Descriptors.FileDescriptor file, BindableService service) { }

        /** Adds an interceptor inside the ones added before it. */
        public Builder intercept(ServerInterceptor interceptor) {
            outermostFirst.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        public Builder service(Descriptors.FileDescriptor file, BindableService service) {
            specs.add(new ServiceSpec(Objects.requireNonNull(file, "file"), Objects.requireNonNull(service, "service")));
            return this;
        }

        public RpcPipeline build() {
            // ServerInterceptors.intercept runs the last interceptor in the list first.
            List<ServerInterceptor> innermostFirst = new ArrayList<>(outermostFirst);
            Collections.reverse(innermostFirst);
            List<Registered> services = new ArrayList<>();
            for (ServiceSpec spec : specs) {
                ServerServiceDefinition intercepted = ServerInterceptors.intercept(spec.service(), innermostFirst);
                services.add(new Registered(spec.file(), tolerant(intercepted)));
            }
            return new RpcPipeline(services);
        }
    }
}
