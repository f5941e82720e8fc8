package com.finehero.server.platform.security;

import java.util.Objects;

import com.finehero.server.platform.errors.FineHeroException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Refuses a call with RESOURCE_EXHAUSTED (HTTP 429 with Retry-After) when its caller, or everybody
 * together, has used up the minute's calls. Sits inside {@link AuthInterceptor}: it counts the
 * principal, and an anonymous caller by address.
 */
public final class RateLimitInterceptor implements ServerInterceptor {

    private final RateLimiter limiter;
    private final RateLimits limits;

    public RateLimitInterceptor(RateLimiter limiter, RateLimits limits) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Principal principal = Principal.current();
        String caller = principal.anonymous() ? "addr:" + CallerAddress.current() : "id:" + principal.subject();
        long perCaller = limits.perIdentity(method);
        String bucket = limits.perMethod().containsKey(method) ? caller + ":" + method : caller;
        RateLimiter.Decision mine = limiter.tryTake(bucket, perCaller);
        if (!mine.allowed()) {
            throw new FineHeroException.RateLimited("RATE_LIMITED",
                    "too many calls: the limit is " + perCaller + " a minute per caller", mine.retryAfter());
        }
        RateLimiter.Decision everyone = limiter.tryTake("global", limits.global());
        if (!everyone.allowed()) {
            throw new FineHeroException.RateLimited("RATE_LIMITED",
                    "the server is taking no more calls this minute; try again shortly", everyone.retryAfter());
        }
        return next.startCall(call, headers);
    }
}
