package com.finehero.server.platform.security;

import java.util.List;
import java.util.Objects;

import com.finehero.api.auth.v1.AccessRule;
import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Authenticates every call and lets it through only if the contract's access rule for its method
 * allows the caller's roles; the principal then rides in the call's Context. Both protocols pass
 * here, since the REST bridge calls the same intercepted services.
 */
public final class AuthInterceptor implements ServerInterceptor {

    private final AccessRules rules;
    private final Authenticator authenticator;

    public AuthInterceptor(AccessRules rules, Authenticator authenticator) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        AccessRules.Rule rule = rules.rule(call.getMethodDescriptor()).orElseThrow(() -> new FineHeroException.PermissionDenied(
                "NO_ACCESS_RULE", "nobody may call " + method));
        Principal principal = authenticator.authenticate(headers);
        AuditInterceptor.identify(principal);
        check(rule.access(), principal, method);
        Context context = CallerAddress.attach(principal.attach(Context.current()), call, headers);
        return Contexts.interceptCall(context, call, headers, next);
    }

    /**
     * With authentication switched off: every call runs as {@link Principal#SYSTEM}, attached
     * explicitly, since {@link Principal#current()} grants nothing by default.
     */
    public static ServerInterceptor everyCallAsSystem() {
        return new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                         ServerCallHandler<ReqT, RespT> next) {
                Context context = CallerAddress.attach(Principal.SYSTEM.attach(Context.current()), call, headers);
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
    }

    private static boolean hasAnyOf(Principal principal, List<Role> roles) {
        for (Role role : roles) { // a loop, not a stream: this runs on every call
            if (principal.has(role)) {
                return true;
            }
        }
        return false;
    }

    static void check(AccessRule access, Principal principal, String method) {
        if (access.getAllowAnonymous()) {
            return;
        }
        if (principal.anonymous()) {
            throw new FineHeroException.Unauthenticated("CREDENTIALS_MISSING",
                    "this call needs credentials: send 'authorization: Bearer <access token>' or 'x-api-key: <key>'");
        }
        if (!hasAnyOf(principal, access.getRolesList())) {
            throw new FineHeroException.PermissionDenied("ROLE_NOT_ALLOWED",
                    "your roles " + principal.roles() + " may not call " + method);
        }
    }
}
