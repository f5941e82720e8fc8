package com.finehero.server.platform.openapi;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.finehero.api.auth.v1.AccessProto;
import com.finehero.api.auth.v1.AccessRule;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.gson.Gson;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DurationProto;
import com.google.protobuf.DynamicMessage;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shapes the Fines contract does not have yet: streaming in both directions, an anonymous method, a
 * message that contains itself, maps and a Duration. The contract is built in code, like protoc would.
 */
class OpenApiGeneratorShapesTest {

    private static OpenAPI api;

    @BeforeAll
    static void generate() throws Descriptors.DescriptorValidationException {
        FileDescriptorProto proto = FileDescriptorProto.newBuilder()
                .setName("shapes/v1/shapes.proto").setPackage("shapes.v1").setSyntax("proto3")
                .addDependency("google/protobuf/duration.proto")
                .addMessageType(DescriptorProto.newBuilder().setName("Node")
                        .addField(field("name", 1, Type.TYPE_STRING, null))
                        .addField(field("child", 2, Type.TYPE_MESSAGE, ".shapes.v1.Node"))
                        .addField(field("children", 3, Type.TYPE_MESSAGE, ".shapes.v1.Node").setLabel(Label.LABEL_REPEATED))
                        .addField(field("counts", 4, Type.TYPE_MESSAGE, ".shapes.v1.Node.CountsEntry").setLabel(Label.LABEL_REPEATED))
                        .addField(field("wait", 5, Type.TYPE_MESSAGE, ".google.protobuf.Duration"))
                        .addNestedType(DescriptorProto.newBuilder().setName("CountsEntry")
                                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                                .addField(field("key", 1, Type.TYPE_STRING, null))
                                .addField(field("value", 2, Type.TYPE_INT64, null))))
                .addService(ServiceDescriptorProto.newBuilder().setName("ShapesService")
                        .addMethod(method("Watch", false, true, HttpRule.newBuilder().setGet("/v1/nodes:watch").build(),
                                AccessRule.newBuilder().setAllowAnonymous(true).build()))
                        .addMethod(method("Upload", true, false, HttpRule.newBuilder().setPost("/v1/nodes:upload").setBody("*").build(),
                                AccessRule.newBuilder().addRoles(Role.ROLE_ADMIN).build())))
                .build();
        Descriptors.FileDescriptor file = Descriptors.FileDescriptor.buildFrom(proto,
                new Descriptors.FileDescriptor[] {DurationProto.getDescriptor()});
        RpcPipeline pipeline = RpcPipeline.builder().service(file, () -> unimplemented(file.findServiceByName("ShapesService"))).build();
        List<HttpBinding> bindings = HttpBinding.of(pipeline);
        assertThat(bindings).hasSize(2);

        ContractComments noComments = ContractComments.from(FileDescriptorSet.getDefaultInstance());
        api = OpenApiGeneratorTest.parse(new Gson().toJson(new OpenApiGenerator(noComments).generate(bindings)));
    }

    @Test
    void serverStreamingAnswersWithEventStreamAndNdjson() {
        Operation watch = api.getPaths().get("/v1/nodes:watch").getGet();
        assertThat(watch.getResponses().get("200").getContent()).containsOnlyKeys("text/event-stream", "application/x-ndjson");
        assertThat(watch.getResponses().get("200").getContent().get("application/x-ndjson").getSchema().get$ref())
                .isEqualTo("#/components/schemas/shapes.v1.Node");
    }

    @Test
    void clientStreamingTakesNdjson() {
        Operation upload = api.getPaths().get("/v1/nodes:upload").getPost();
        assertThat(upload.getRequestBody().getContent()).containsOnlyKeys("application/x-ndjson");
        assertThat(upload.getResponses().get("200").getContent()).containsOnlyKeys("application/json");
    }

    @Test
    void anonymousMethodsMayOmitCredentials() {
        Operation watch = api.getPaths().get("/v1/nodes:watch").getGet();
        assertThat(watch.getSecurity()).extracting(SecurityRequirement::keySet)
                .containsExactly(Set.of(), Set.of("bearerAuth"), Set.of("apiKey"));
        assertThat(api.getPaths().get("/v1/nodes:upload").getPost().getSecurity()).hasSize(2);
    }

    @Test
    void recursiveMessagesStopInQueryAndSchema() {
        Operation watch = api.getPaths().get("/v1/nodes:watch").getGet();
        // Node.child is a Node: not walked again; maps and repeated messages cannot be sent in a query
        assertThat(watch.getParameters()).extracting(Parameter::getName).containsExactly("name", "wait");
        Map<String, io.swagger.v3.oas.models.media.Schema> node = api.getComponents().getSchemas().get("shapes.v1.Node").getProperties();
        assertThat(node.get("child").get$ref()).isEqualTo("#/components/schemas/shapes.v1.Node");
        assertThat(node.get("children").getItems().get$ref()).isEqualTo("#/components/schemas/shapes.v1.Node");
        assertThat(OpenApiGeneratorTest.types(node.get("counts"))).containsExactly("object");
        assertThat(((io.swagger.v3.oas.models.media.Schema<?>) node.get("counts").getAdditionalProperties()).getFormat())
                .isEqualTo("int64");
        assertThat(OpenApiGeneratorTest.types(node.get("wait"))).containsExactly("string");
        assertThat(api.getComponents().getSchemas()).doesNotContainKey("shapes.v1.Node.CountsEntry");
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type, String typeName) {
        FieldDescriptorProto.Builder field = FieldDescriptorProto.newBuilder()
                .setName(name).setNumber(number).setType(type).setLabel(Label.LABEL_OPTIONAL);
        return typeName == null ? field : field.setTypeName(typeName);
    }

    private static MethodDescriptorProto method(String name, boolean clientStreaming, boolean serverStreaming,
                                                HttpRule http, AccessRule access) {
        return MethodDescriptorProto.newBuilder().setName(name)
                .setInputType(".shapes.v1.Node").setOutputType(".shapes.v1.Node")
                .setClientStreaming(clientStreaming).setServerStreaming(serverStreaming)
                .setOptions(MethodOptions.newBuilder()
                        .setExtension(AnnotationsProto.http, http)
                        .setExtension(AccessProto.access, access))
                .build();
    }

    /** A definition whose methods are never called: the generator reads only the descriptors. */
    private static ServerServiceDefinition unimplemented(Descriptors.ServiceDescriptor service) {
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service.getFullName());
        for (Descriptors.MethodDescriptor method : service.getMethods()) {
            MethodDescriptor.MethodType type = method.isClientStreaming()
                    ? (method.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.CLIENT_STREAMING)
                    : (method.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY);
            definition.addMethod(MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                            .setType(type)
                            .setFullMethodName(MethodDescriptor.generateFullMethodName(service.getFullName(), method.getName()))
                            .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                            .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                            .build(),
                    (call, headers) -> {
                        throw new UnsupportedOperationException("not called");
                    });
        }
        return definition.build();
    }
}
