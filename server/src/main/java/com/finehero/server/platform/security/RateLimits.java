package com.finehero.server.platform.security;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * The configured limits, in calls per minute: per client address before anything else (anonymous
 * and refused calls included; {@code auditedRefusalsPerAddress} of its refusals are audited one by
 * one, the rest counted), per caller (a user, an API key's owner, or an address for
 * anonymous calls), per caller for particular methods, and for all callers together. Failed logins
 * are limited apart: per account and address, the first {@code loginFreeFailures} in a row cost
 * nothing, each further one makes that address wait {@code loginBackoff}, doubling up to
 * {@code loginBackoffMax}; and per address, across accounts, {@code loginFailuresPerAddress} a minute.
 */
public record RateLimits(boolean enabled, long perAddress, long auditedRefusalsPerAddress,
                         long perIdentity, long global, Map<String, Long> perMethod,
                         int loginFreeFailures, Duration loginBackoff, Duration loginBackoffMax, long loginFailuresPerAddress,
                         Duration syncEvery) {

    public RateLimits {
        perMethod = Map.copyOf(perMethod);
    }

    public static RateLimits from(Config node) {
        Map<String, Long> methods = new HashMap<>();
        for (Config entry : node.get("methods").asNodeList().orElse(java.util.List.of())) {
            String method = entry.get("method").asString().orElseThrow(() -> new IllegalArgumentException(
                    entry.key() + ".method is required (a full method name such as finehero.fines.v1.FinesService/CreateFine)"));
            methods.put(method, (long) ConfigValues.intInRange(entry, "per-identity", 1, Integer.MAX_VALUE));
        }
        return new RateLimits(
                ConfigValues.bool(node, "enabled"),
                ConfigValues.intInRange(node, "per-address", 1, Integer.MAX_VALUE),
                ConfigValues.intInRange(node, "audited-refusals-per-address", 1, Integer.MAX_VALUE),
                ConfigValues.intInRange(node, "per-identity", 1, Integer.MAX_VALUE),
                ConfigValues.intInRange(node, "global", 1, Integer.MAX_VALUE),
                methods,
                ConfigValues.intInRange(node, "login-free-failures", 0, Integer.MAX_VALUE),
                ConfigValues.duration(node, "login-backoff"),
                ConfigValues.duration(node, "login-backoff-max"),
                ConfigValues.intInRange(node, "login-failures-per-address", 1, Integer.MAX_VALUE),
                ConfigValues.duration(node, "sync-every"));
    }

    long perIdentity(String method) {
        return perMethod.getOrDefault(method, perIdentity);
    }
}
