package com.finehero.server.platform.security;

import java.util.Objects;
import java.util.Optional;

import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * What a call must pass before anything of it is read or verified: the limit of calls a minute from
 * its address (anonymous and refused calls count, so a flood of bad credentials is cut off before
 * each one costs a signature check), then its credentials and the access rule of its method. gRPC
 * calls meet it through {@link AddressLimitInterceptor} and {@link AuthInterceptor}; the REST bridge
 * asks it from the HTTP headers alone, before it reads a request body.
 */
public final class CallGate {

    private final AccessRules rules;
    private final Optional<Authenticator> authenticator;
    private final RateLimiter limiter;
    private final long perAddress;
    private final RefusalSampler audit;

    /**
     * @param authenticator empty when authentication is switched off (every call runs as the system)
     * @param perAddress    calls a minute per address, 0 for no limit
     * @param audit         where the bridge's refusals of state-changing calls are recorded (null only for
     *                      {@link #open()}, which refuses nothing)
     */
    public CallGate(AccessRules rules, Optional<Authenticator> authenticator, RateLimiter limiter, long perAddress,
                    RefusalSampler audit) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        if (perAddress < 0) {
            throw new IllegalArgumentException("perAddress: " + perAddress + " (expected: 0 or more)");
        }
        this.perAddress = perAddress;
        this.audit = audit;
    }

    /**
     * The REST bridge's check of an HTTP request before it reads any of its body: the address limit,
     * then, when {@code withCredentials}, {@link #checkCredentials}. A refusal of a state-changing
     * call is audited as the pipeline would have audited it.
     */
    public void admitHttp(MethodDescriptor<?, ?> method, Metadata headers, String address, boolean withCredentials) {
        try {
            chargeAddress(address);
            if (withCredentials) {
                checkCredentials(method, headers);
            }
        } catch (FineHeroException refused) {
            if (audit != null && rules.rule(method).map(AccessRules.Rule::changesState).orElse(true)) {
                audit.record(Principal.ANONYMOUS, method.getFullMethodName(), "", address, "rest", refused.code(), "");
            }
            throw refused;
        }
    }

    /** A gate that lets everything through: for a bridge over services with no security of their own. */
    public static CallGate open() {
        return new CallGate(new AccessRules(), Optional.empty(), (bucket, perMinute) -> RateLimiter.Decision.ALLOWED, 0, null);
    }

    public AccessRules rules() {
        return rules;
    }

    public Optional<Authenticator> authenticator() {
        return authenticator;
    }

    /** The caller the headers prove ({@link Principal#SYSTEM} when authentication is off). */
    public Principal authenticate(Metadata headers) {
        return authenticator.map(a -> a.authenticate(headers)).orElse(Principal.SYSTEM);
    }

    /** Takes one call from the address's minute; refuses with RESOURCE_EXHAUSTED when none is left. */
    public void chargeAddress(String address) {
        if (perAddress == 0) {
            return;
        }
        RateLimiter.Decision decision = limiter.tryTake("addr-all:" + address, perAddress);
        if (!decision.allowed()) {
            throw new FineHeroException.RateLimited("ADDRESS_RATE_LIMITED",
                    "too many calls from your address " + address + ": the limit is " + perAddress
                            + " a minute per address, anonymous and refused calls included", decision.retryAfter());
        }
    }

    /**
     * Refuses, from the headers alone, a call its credentials do not allow: missing or bad credentials
     * (UNAUTHENTICATED) or a role the method's rule does not admit (PERMISSION_DENIED). The REST bridge
     * asks this before it reads a request body; the call itself is checked again by the pipeline.
     */
    public void checkCredentials(MethodDescriptor<?, ?> method, Metadata headers) {
        if (authenticator.isEmpty()) {
            return;
        }
        AccessRules.Rule rule = rules.rule(method).orElseThrow(() -> new FineHeroException.PermissionDenied(
                "NO_ACCESS_RULE", "nobody may call " + method.getFullMethodName()));
        AuthInterceptor.check(rule.access(), authenticator.get().authenticate(headers), method.getFullMethodName());
    }
}
