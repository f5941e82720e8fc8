package com.finehero.server.platform.security;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.finehero.api.auth.v1.AccessProto;
import com.finehero.api.auth.v1.AccessRule;
import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.rest.HttpBinding;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.Contract;
import com.finehero.server.testing.FineHeroExtension;
import com.finehero.server.testing.RawCalls;
import com.finehero.server.testing.RestCalls;
import com.finehero.server.testing.TestSession;
import com.google.api.AnnotationsProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.Metadata;
import io.grpc.Status;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole access matrix, generated from the contract: every RPC, on gRPC and on REST, called by
 * every role and by nobody, gets past the access check exactly when its (access) option says so.
 * A call that gets past may still fail (an empty request is rarely valid), but not with
 * UNAUTHENTICATED or PERMISSION_DENIED. Each call logs in afresh, so Logout ends only its own session.
 */
class AccessMatrixTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    private static final Map<Role, TestSession> USERS = new EnumMap<>(Role.class);
    private static final String SOME_ID = "00000000-0000-0000-0000-000000000000";

    @BeforeAll
    static void users() {
        for (Role role : roles()) {
            USERS.put(role, APP.userWith(role));
        }
    }

    private static Set<Role> roles() {
        return EnumSet.of(Role.ROLE_ADMIN, Role.ROLE_ANALYST, Role.ROLE_VIEWER, Role.ROLE_API_USER);
    }

    @TestFactory
    Stream<DynamicTest> everyRpcForEveryCallerOnBothProtocols() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Descriptors.ServiceDescriptor service : Contract.services()) {
            for (Descriptors.MethodDescriptor method : service.getMethods()) {
                AccessRule rule = method.getOptions().getExtension(AccessProto.access);
                List<Optional<Role>> callers = new ArrayList<>(List.of(Optional.empty()));
                roles().forEach(role -> callers.add(Optional.of(role)));
                for (Optional<Role> caller : callers) {
                    boolean allowed = rule.getAllowAnonymous() || caller.map(r -> rule.getRolesList().contains(r)).orElse(false);
                    Status.Code refusal = caller.isEmpty() ? Status.Code.UNAUTHENTICATED : Status.Code.PERMISSION_DENIED;
                    String who = caller.map(Role::name).orElse("anonymous");
                    tests.add(DynamicTest.dynamicTest("grpc " + method.getFullName() + " as " + who,
                            () -> expect("grpc " + method.getFullName() + " as " + who, grpc(method, caller), allowed, refusal)));
                    if (method.getOptions().hasExtension(AnnotationsProto.http)) {
                        tests.add(DynamicTest.dynamicTest("rest " + method.getFullName() + " as " + who,
                                () -> expect("rest " + method.getFullName() + " as " + who, rest(method, caller), allowed, refusal)));
                    }
                }
            }
        }
        assertThat(tests).hasSizeGreaterThan(200);
        return tests.stream();
    }

    private static void expect(String call, Status.Code code, boolean allowed, Status.Code refusal) {
        if (allowed) {
            assertThat(code).as(call).isNotIn(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED);
        } else {
            assertThat(code).as(call).isEqualTo(refusal);
        }
    }

    private static Optional<String> token(Optional<Role> caller) {
        return caller.map(role -> AuthServiceGrpc.newBlockingStub(APP.anonymousChannel()).login(LoginRequest.newBuilder()
                .setUsername(USERS.get(role).username()).setPassword(USERS.get(role).password()).build()).getAccessToken());
    }

    private static Status.Code grpc(Descriptors.MethodDescriptor method, Optional<Role> caller) throws InterruptedException {
        Metadata headers = new Metadata();
        token(caller).ifPresent(t -> headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + t));
        Status status = RawCalls.call(APP.anonymousChannel(), method, headers, new byte[0], Duration.ofSeconds(5));
        if (method.isServerStreaming() && status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return Status.Code.OK; // a watch that was let in and kept open until the deadline
        }
        return status.getCode();
    }

    private static Status.Code rest(Descriptors.MethodDescriptor method, Optional<Role> caller) {
        DynamicMessage.Builder request = DynamicMessage.newBuilder(method.getInputType());
        String template = HttpBinding.Route.of(method.getOptions().getExtension(AnnotationsProto.http)).template();
        Matcher variables = Pattern.compile("\\{([a-z_.]+)").matcher(template);
        while (variables.find()) {
            setPath(request, variables.group(1).split("\\."));
        }
        HttpRequest http = RestCalls.toHttp(URI.create("http://127.0.0.1:" + APP.port()), method, request.build());
        HttpRequest.Builder signed = HttpRequest.newBuilder(http, (name, value) -> !name.equalsIgnoreCase("content-type"))
                .timeout(Duration.ofSeconds(5));
        http.headers().firstValue("content-type").filter(type -> !method.isClientStreaming()).ifPresent(type -> signed.header("content-type", type));
        token(caller).ifPresent(t -> signed.header("authorization", "Bearer " + t));
        if (method.isServerStreaming()) {
            signed.header("accept", "application/x-ndjson");
        }
        if (method.isClientStreaming()) {
            signed.header("content-type", "application/x-ndjson").method(http.method(), HttpRequest.BodyPublishers.ofString("{}\n"));
        }
        HttpResponse<String> response;
        try {
            response = APP.sendAnonymous(signed.build());
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof HttpTimeoutException) {
                return Status.Code.DEADLINE_EXCEEDED; // let in: a stream kept open (or a slow call), not a refusal
            }
            throw e;
        }
        return switch (response.statusCode()) {
            case 401 -> Status.Code.UNAUTHENTICATED;
            case 403 -> Status.Code.PERMISSION_DENIED;
            default -> Status.Code.UNKNOWN;
        };
    }

    private static void setPath(DynamicMessage.Builder message, String[] path) {
        Descriptors.FieldDescriptor field = message.getDescriptorForType().findFieldByName(path[0]);
        if (path.length == 1) {
            message.setField(field, field.getJavaType() == Descriptors.FieldDescriptor.JavaType.STRING ? SOME_ID : field.getDefaultValue());
            return;
        }
        DynamicMessage.Builder nested = DynamicMessage.newBuilder(field.getMessageType());
        setPath(nested, Arrays.copyOfRange(path, 1, path.length));
        message.setField(field, nested.build());
    }
}
