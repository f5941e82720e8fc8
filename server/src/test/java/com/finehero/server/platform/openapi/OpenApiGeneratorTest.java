package com.finehero.server.platform.openapi;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.platform.rest.PathTemplate;
import com.finehero.server.platform.rpc.RpcPipeline;
import com.google.gson.Gson;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The document generated from the real Fines contract, read back by a real OpenAPI parser. */
class OpenApiGeneratorTest {

    private static final String FINE = "#/components/schemas/finehero.fines.v1.Fine";

    private static List<HttpBinding> bindings;
    private static OpenAPI api;

    @BeforeAll
    static void generateAndParse() {
        RpcPipeline pipeline = RpcPipeline.builder()
                .service(FinesProto.getDescriptor(), new FinesServiceGrpc.FinesServiceImplBase() { })
                .build();
        bindings = HttpBinding.of(pipeline);
        Map<String, Object> document = new OpenApiGenerator(ContractComments.load()).generate(bindings);
        api = parse(new Gson().toJson(document));
    }

    static OpenAPI parse(String json) {
        ParseOptions options = new ParseOptions();
        options.setResolve(false);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
        assertThat(result.getMessages()).as("OpenAPI parser messages").isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        return result.getOpenAPI();
    }

    @Test
    void isOpenApi31WithTitleAndSecuritySchemes() {
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getInfo().getTitle()).isEqualTo("FineHero API");
        assertThat(api.getComponents().getSecuritySchemes()).containsOnlyKeys("bearerAuth", "apiKey");
        assertThat(api.getComponents().getSecuritySchemes().get("apiKey").getName()).isEqualTo("x-api-key");
        assertThat(api.getComponents().getSecuritySchemes().get("bearerAuth").getScheme()).isEqualTo("bearer");
    }

    @Test
    void everyBindingIsAnOperationWithItsOperationId() {
        assertThat(bindings).hasSizeGreaterThanOrEqualTo(10);
        for (HttpBinding binding : bindings) {
            // the Fines templates use plain {field} variables, so the OpenAPI path is the template itself
            PathItem item = api.getPaths().get(binding.path().toString());
            assertThat(item).as("path of %s", binding).isNotNull();
            Operation operation = item.readOperationsMap().get(PathItem.HttpMethod.valueOf(binding.httpMethod()));
            assertThat(operation).as("operation of %s", binding).isNotNull();
            assertThat(operation.getOperationId())
                    .isEqualTo(binding.method().getService().getName() + "_" + binding.method().getName());
            assertThat(operation.getTags()).containsExactly("FinesService");
            assertThat(operation.getResponses()).containsKeys("200", "default", "404");
        }
        long operations = api.getPaths().values().stream().mapToLong(p -> p.readOperations().size()).sum();
        assertThat(operations).isEqualTo(bindings.size());
    }

    @Test
    void getFineTakesTheIdFromThePath() {
        Operation get = operation("/v1/fines/{fine_id}", PathItem.HttpMethod.GET);
        assertThat(get.getSummary()).isEqualTo("Returns one fine.");
        Parameter id = parameter(get, "fine_id");
        assertThat(id.getIn()).isEqualTo("path");
        assertThat(id.getRequired()).isTrue();
        assertThat(types(id.getSchema())).containsExactly("string");
        assertThat(get.getParameters()).hasSize(1);
        assertThat(get.getRequestBody()).isNull();
        assertThat(ref(get.getResponses().get("200").getContent().get("application/json").getSchema())).isEqualTo(FINE);
    }

    @Test
    void listFinesTakesItsFiltersFromTheQuery() {
        Operation list = operation("/v1/fines", PathItem.HttpMethod.GET);
        assertThat(list.getParameters()).extracting(Parameter::getIn).containsOnly("query");
        assertThat(list.getParameters()).extracting(Parameter::getName).containsExactly(
                "page_size", "page_token", "statuses", "jurisdiction", "due_after", "due_before", "vehicle_plate", "owner_id");
        assertThat(types(parameter(list, "page_size").getSchema())).containsExactly("integer");
        Parameter statuses = parameter(list, "statuses");
        assertThat(types(statuses.getSchema())).containsExactly("array");
        assertThat(ref(statuses.getSchema().getItems())).isEqualTo("#/components/schemas/finehero.fines.v1.FineStatus");
        assertThat(statuses.getExplode()).isTrue();
        Parameter dueAfter = parameter(list, "due_after");
        assertThat(dueAfter.getSchema().getFormat()).isEqualTo("date-time");
        assertThat(dueAfter.getDescription()).isEqualTo("Only fines due at or after this time.");
    }

    @Test
    void nestedQueryFieldsAreFlattenedWithDots() {
        Operation near = operation("/v1/fines:near", PathItem.HttpMethod.GET);
        assertThat(near.getParameters()).extracting(Parameter::getName)
                .contains("center.latitude", "center.longitude", "radius_meters", "statuses");
        assertThat(parameter(near, "center.latitude").getSchema().getFormat()).isEqualTo("double");
    }

    @Test
    void updateFineSendsTheFineAsBodyAndTheMaskInTheQuery() {
        Operation update = operation("/v1/fines/{fine.id}", PathItem.HttpMethod.PATCH);
        assertThat(ref(update.getRequestBody().getContent().get("application/json").getSchema())).isEqualTo(FINE);
        assertThat(parameter(update, "fine.id").getIn()).isEqualTo("path");
        Parameter mask = parameter(update, "update_mask");
        assertThat(mask.getIn()).isEqualTo("query");
        assertThat(types(mask.getSchema())).containsExactly("string");
        assertThat(update.getParameters()).extracting(Parameter::getName).containsExactly("fine.id", "update_mask");
    }

    @Test
    void bodyStarIsTheRequestWithoutItsPathFields() {
        Operation contest = operation("/v1/fines/{fine_id}:contest", PathItem.HttpMethod.POST);
        Schema<?> body = contest.getRequestBody().getContent().get("application/json").getSchema();
        assertThat(body.getProperties()).containsOnlyKeys("reason", "evidenceUris", "citedDocumentIds");
        assertThat(contest.getParameters()).extracting(Parameter::getName).containsExactly("fine_id");
    }

    @Test
    void schemasUseJsonNamesCommentsAndProtoJsonTypes() {
        Schema<?> fine = schema("finehero.fines.v1.Fine");
        assertThat(fine.getDescription()).isEqualTo("A traffic or parking fine.");
        Map<String, Schema> properties = fine.getProperties();
        assertThat(properties).containsKeys("citationNumber", "issueTime", "vehiclePlate", "updateTime");
        assertThat(properties.get("citationNumber").getDescription())
                .isEqualTo("The citation number printed on the ticket; unique within its jurisdiction.");
        assertThat(properties.get("id").getReadOnly()).isTrue();
        assertThat(properties.get("status").getReadOnly()).isTrue();
        assertThat(properties.get("citationNumber").getReadOnly()).isNull();
        assertThat(types(properties.get("version"))).containsExactly("string");
        assertThat(properties.get("version").getFormat()).isEqualTo("int64");
        assertThat(properties.get("issueTime").getFormat()).isEqualTo("date-time");
        assertThat(ref(properties.get("amount"))).isEqualTo("#/components/schemas/finehero.common.v1.Money");
        assertThat(types(schema("finehero.fines.v1.Contest").getProperties().get("evidenceUris"))).containsExactly("array");

        Schema<?> status = schema("finehero.fines.v1.FineStatus");
        assertThat(List.<Object>copyOf(status.getEnum())).contains("FINE_STATUS_OPEN", "FINE_STATUS_PAID");
        assertThat(status.getDescription()).contains("`FINE_STATUS_PAID`: Paid in full. Final.");
    }

    @Test
    void errorsAreGoogleRpcStatus() {
        Schema<?> status = schema("google.rpc.Status");
        assertThat(status.getProperties()).containsKeys("code", "message", "details");
        assertThat(ref(status.getProperties().get("details").getItems())).isEqualTo("#/components/schemas/google.protobuf.Any");
        assertThat(api.getComponents().getResponses().get("Error404").getContent().get("application/json").getSchema().get$ref())
                .isEqualTo("#/components/schemas/google.rpc.Status");
    }

    @Test
    void securityAndRolesComeFromTheAccessRule() {
        Operation delete = operation("/v1/fines/{fine_id}", PathItem.HttpMethod.DELETE);
        assertThat(delete.getSecurity()).extracting(SecurityRequirement::keySet)
                .containsExactly(Set.of("bearerAuth"), Set.of("apiKey"));
        assertThat(delete.getExtensions().get("x-finehero-roles")).isEqualTo(List.of("admin"));
        Operation get = operation("/v1/fines/{fine_id}", PathItem.HttpMethod.GET);
        assertThat(get.getExtensions().get("x-finehero-roles")).isEqualTo(List.of("admin", "analyst", "viewer", "api_user"));
    }

    @Test
    void patternVariablesBecomeOnePathParameter() {
        assertThat(OpenApiGenerator.openApiPath(PathTemplate.parse("/v1/{name=shelves/*/books/*}:read")))
                .isEqualTo("/v1/{name}:read");
        assertThat(OpenApiGenerator.openApiPath(PathTemplate.parse("/v1/files/{path=**}"))).isEqualTo("/v1/files/{path}");
        assertThat(OpenApiGenerator.openApiPath(PathTemplate.parse("/v1/{a}/x/{b.c}"))).isEqualTo("/v1/{a}/x/{b.c}");
    }

    private static Operation operation(String path, PathItem.HttpMethod method) {
        assertThat(api.getPaths()).containsKey(path);
        Operation operation = api.getPaths().get(path).readOperationsMap().get(method);
        assertThat(operation).as(method + " " + path).isNotNull();
        return operation;
    }

    private static Parameter parameter(Operation operation, String name) {
        return operation.getParameters().stream().filter(p -> p.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(operation.getOperationId() + " has no parameter " + name));
    }

    private static Schema<?> schema(String name) {
        Schema<?> schema = api.getComponents().getSchemas().get(name);
        assertThat(schema).as("components.schemas." + name).isNotNull();
        return schema;
    }

    /** OpenAPI 3.1 models keep "type" as a set; 3.0 as a string. */
    static Set<String> types(Schema<?> schema) {
        return schema.getTypes() != null ? schema.getTypes() : Set.of(schema.getType());
    }

    private static String ref(Schema<?> schema) {
        return schema.get$ref();
    }
}
